"""Seed a demonstration installation: Auburn and Mukilteo (WA), their staff, cameras and partners."""

import datetime as dt
import random
import string
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits.events import EventType
from audits.services import audit_record
from cameras.models import Camera
from portal.mfa import mfa_required_by_role
from portal.models import PRESET_RETENTION_DAYS, Agency, AgencyKind, City, PolicyPreset, User
from portal.roles import Role
from portal.tenancy import city_scope

DEMO_PASSWORD = "steward-demo-2026"
# Every demo account that needs two-step sign-in (chiefs, clerks, auditors, admin) holds a TOTP
# device with this one published secret, so that anyone can try the demo with any authenticator
# app, or with `manage.py demo_totp`. A demo secret, never for a real installation.
DEMO_TOTP_KEY_HEX = "537465776172642064656d6f2074776f2d737465"  # b"Steward demo two-ste"

CITIES: list[dict[str, Any]] = [
    {
        "slug": "auburn",
        "name": "Auburn",
        "agency": "Auburn Police Department",
        "cameras": [
            ("Auburn Way N & 15th St NE", "47.322300", "-122.227900", 0),
            ("W Main St & Division St", "47.307700", "-122.230500", 90),
            ("SR 18 eastbound ramp", "47.297100", "-122.214900", 270),
            ("A St SE & Lakeland Hills Way", "47.268500", "-122.226200", 180),
        ],
    },
    {
        "slug": "mukilteo",
        "name": "Mukilteo",
        "agency": "Mukilteo Police Department",
        "cameras": [
            ("Mukilteo Speedway & 84th St SW", "47.911400", "-122.297400", 0),
            ("SR 525 & Harbour Pointe Blvd", "47.886900", "-122.296000", 180),
            ("Ferry terminal approach", "47.949000", "-122.304500", 315),
        ],
    },
]

PARTNERS = [
    # name, kind, state, parent, immigration, 287(g), task force
    ("Kent Police Department", AgencyKind.LOCAL, "WA", None, False, False, False),
    ("Everett Police Department", AgencyKind.LOCAL, "WA", None, False, False, False),
    ("King County Sheriff's Office", AgencyKind.LOCAL, "WA", None, False, False, False),
    ("Snohomish County Sheriff's Office", AgencyKind.LOCAL, "WA", None, False, False, True),
    ("Washington State Patrol", AgencyKind.STATE, "WA", None, False, False, False),
    ("Boise Police Department", AgencyKind.LOCAL, "ID", None, False, False, False),
    ("U.S. Department of Homeland Security", AgencyKind.FEDERAL, "", None, True, False, False),
    (
        "U.S. Customs and Border Protection",
        AgencyKind.FEDERAL,
        "",
        "U.S. Department of Homeland Security",
        True,
        False,
        False,
    ),
    ("U.S. Border Patrol", AgencyKind.FEDERAL, "", "U.S. Customs and Border Protection", True, False, False),
    ("U.S. Border Patrol, Blaine Sector", AgencyKind.FEDERAL, "", "U.S. Border Patrol", True, False, False),
    (
        "U.S. Immigration and Customs Enforcement",
        AgencyKind.FEDERAL,
        "",
        "U.S. Department of Homeland Security",
        True,
        False,
        False,
    ),
]

PARTNER_USERS = [
    ("kent-detective", "Kent Police Department"),
    ("kcso-deputy", "King County Sheriff's Office"),
    ("everett-detective", "Everett Police Department"),
    ("usbp-agent", "U.S. Border Patrol"),
]


USAGE_POLICY = """{city} Police Department: automated licence plate reader usage policy

1. Purpose. Plate reader data is used only to investigate felonies and gross misdemeanors, and to find
stolen vehicles, missing persons and AMBER alert subjects.
2. Prohibited uses. No data is used or shared for civil immigration enforcement, to investigate
reproductive health care, or to track protests, worship or other protected activity.
3. Access. Officers, dispatchers, the records clerk and the chief have access by role. Every search
states a reason, an offense type and a case number, and is recorded.
4. Sharing. Only agencies under a written sharing agreement approved by the chief may search, within
its scope. National and statewide lookup pools are off.
5. Retention. Reads are deleted after 21 days unless held as evidence in a case.
6. Oversight. The records clerk prepares a monthly review of usage that the chief signs and publishes.
"""


def demo_totp_secret() -> str:
    import base64

    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode("ascii")


class Command(BaseCommand):
    help = "Create (or refresh) the demo: two cities, a user for every role, cameras and partner agencies."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        agencies = self._agencies()
        logins: list[tuple[str, str]] = []
        for spec in CITIES:
            city = self._city(spec, agencies)
            for role in Role.city_roles():
                username = f"{spec['slug']}-{role.value}"
                self._user(username, city=city, agency=agencies[spec["agency"]], role=role)
                logins.append((username, f"{role.label}, {city.name}"))
        for username, agency_name in PARTNER_USERS:
            self._user(username, city=None, agency=agencies[agency_name], role=Role.PARTNER)
            logins.append((username, f"partner user, {agency_name}"))
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        logins.append(("admin", "site administrator (/admin/)"))
        for user in User.objects.filter(username__in=[username for username, _ in logins]):
            self._demo_device(user)

        for spec in CITIES:
            self._activity(City.objects.get(slug=spec["slug"]), agencies)

        self.stdout.write(self.style.SUCCESS("Demo ready. Every demo account's password: " + DEMO_PASSWORD))
        for username, what in logins:
            self.stdout.write(f"  {username:<22} {what}")
        self.stdout.write(
            "Chiefs, clerks, auditors and admin also enter a code after the password (two-step sign-in):\n"
            f"  add the demo secret {demo_totp_secret()} to any authenticator app,\n"
            "  or print the current code with: python manage.py demo_totp"
        )

    def _agencies(self) -> dict[str, Agency]:
        agencies: dict[str, Agency] = {}
        for spec in CITIES:
            agencies[spec["agency"]], _ = Agency.objects.get_or_create(
                name=spec["agency"], defaults={"kind": AgencyKind.LOCAL, "state": "WA"}
            )
        for name, kind, state, parent, immigration, in_287g, task_force in PARTNERS:
            agencies[name], _ = Agency.objects.update_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "state": state,
                    "parent": agencies[parent] if parent else None,
                    "immigration_enforcement": immigration,
                    "participates_287g": in_287g,
                    "federal_task_force": task_force,
                },
            )
        return agencies

    def _city(self, spec: dict[str, Any], agencies: dict[str, Agency]) -> City:
        city, created = City.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "state": "WA",
                "time_zone": "America/Los_Angeles",
                "policy_preset": PolicyPreset.WASHINGTON,
                "retention_days": PRESET_RETENTION_DAYS[PolicyPreset.WASHINGTON],
                "own_agency": agencies[spec["agency"]],
                "publish_camera_locations": spec["slug"] == "auburn",
                "usage_policy": USAGE_POLICY.format(city=spec["name"]),
            },
        )
        with city_scope(city):
            for name, latitude, longitude, heading in spec["cameras"]:
                Camera.objects.get_or_create(
                    name=name,
                    defaults={
                        "latitude": Decimal(latitude),
                        "longitude": Decimal(longitude),
                        "heading": heading,
                    },
                )
        if created:
            audit_record(
                event_type=EventType.CITY_CREATED,
                city=city,
                target_type="city",
                target_id=str(city.public_id),
                details={"name": city.name, "preset": city.policy_preset, "source": "seed_demo"},
            )
        return city

    def _activity(self, city: City, agencies: dict[str, Agency]) -> None:
        """Agreements, a hotlist, a day of reads and a hit, made through the real use cases once."""
        from cameras.models import Hotlist, HotlistSource, Read, ReadSource
        from cameras.services import hotlist_create, hotlist_entry_add, reads_match
        from sharing.selectors import get_agreement_for_city
        from sharing.services import agreement_approve, agreement_draft, agreement_submit

        with city_scope(city):
            if Hotlist.objects.exists():
                return
            cameras = list(Camera.objects.order_by("name"))
        chief = User.objects.get(username=f"{city.slug}-chief")
        clerk = User.objects.get(username=f"{city.slug}-clerk")
        today = timezone.localdate()
        partners = (
            ["Kent Police Department", "King County Sheriff's Office"]
            if city.slug == "auburn"
            else ["Everett Police Department"]
        )
        for name in partners:
            agreement = agreement_draft(
                city=city,
                by=clerk,
                partner_agency=agencies[name],
                starts_on=today - dt.timedelta(days=30),
                ends_on=today + dt.timedelta(days=335),
                hotlist_alerts=False,
                declaration_signed_by=f"Chief of {name}",
                declaration_signed_at=timezone.now() - dt.timedelta(days=31),
            )
            agreement_submit(agreement=agreement, by=clerk)
            agreement_approve(
                agreement=get_agreement_for_city(city=city, public_id=agreement.public_id), by=chief
            )
        stolen = hotlist_create(
            city=city, by=clerk, name="Stolen vehicles (WA)", source=HotlistSource.STATE_NCIC, priority=3
        )
        amber = hotlist_create(
            city=city, by=clerk, name="AMBER and missing persons", source=HotlistSource.AMBER, priority=4
        )
        hotlist_entry_add(
            hotlist=stolen, by=clerk, plate="BGT4821", state="WA", reason="Stolen 2017 Honda Civic"
        )
        hotlist_entry_add(hotlist=stolen, by=clerk, plate="CAR5502", state="WA", reason="Stolen Ford F-150")
        hotlist_entry_add(
            hotlist=amber, by=clerk, plate="AMB0731", state="OR", reason="AMBER alert OR-26-114"
        )
        rng = random.Random(city.slug)
        now = timezone.now()
        reads = [
            Read(
                city=city,
                camera=rng.choice(cameras),
                source=ReadSource.DEVICE,
                captured_at=now - dt.timedelta(minutes=rng.randint(1, 20 * 24 * 60)),
                plate="".join(rng.choice(string.ascii_uppercase) for _ in range(3))
                + f"{rng.randint(0, 9999):04d}",
                confidence=round(rng.uniform(0.8, 0.99), 2),
                vehicle_colour=rng.choice(["white", "black", "silver", "blue", "red", ""]),
            )
            for _ in range(900)
        ]
        reads.append(
            Read(
                city=city,
                camera=cameras[0],
                source=ReadSource.DEVICE,
                captured_at=now,
                plate="BGT4821",
                confidence=0.97,
                vehicle_colour="silver",
            )
        )
        created = Read.all_cities.bulk_create(reads)
        reads_match(city=city, read_ids=[read.pk for read in created])
        # Two searches for the audit log and the public page: one allowed, one refused.
        from sharing.grants import grant_for
        from sharing.selectors import ReadQuery
        from sharing.services import search_run

        officer = User.objects.get(username=f"{city.slug}-officer")
        search_run(
            grant=grant_for(officer, city),
            query=ReadQuery(plate="BGT4821"),
            offense_type="stolen_vehicle",
            reason="Stolen Honda Civic taken from the Safeway lot on Auburn Way, 25 Nov, owner's report",
            case_number=f"{city.slug[:3].upper()}-26-0412",
        )
        search_run(
            grant=grant_for(officer, city),
            query=ReadQuery(plate="CAR5502"),
            offense_type="other",
            reason="ICE ERO asked us to locate this vehicle",
            case_number=f"{city.slug[:3].upper()}-26-0413",
        )

    def _demo_device(self, user: User) -> None:
        """The demo secret as a confirmed device of each account that needs two-step sign-in."""
        if not mfa_required_by_role(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return
        TOTPDevice.objects.create(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True)

    def _user(self, username: str, *, city: City | None, agency: Agency, role: Role) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"city": city, "agency": agency, "role": role}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user
