"""The monthly compliance review at scale: one city-month of 1M audit events and 200k searches.

    .venv/bin/python bench/review_scale.py                       # 1M events, 200k searches
    .venv/bin/python bench/review_scale.py --events 200000 --searches 40000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench_review .venv/bin/python bench/review_scale.py

Builds its own PostgreSQL database (never the test database; dropped and rebuilt each run unless
``--reuse``): one city, 200 officers, 20 partner agencies under agreements, three months of
baseline searches at half the month's rate, then the month itself: ``--searches`` ordinary
searches (specific reasons, real case numbers, each user in their own shift) each with its
``search.performed`` audit entry, ordinary other events up to ``--events`` audit entries (one
hash chain, hashes computed as ``audit_record`` does), and planted patterns of every kind the
review looks for. Rows go in with COPY.

The review then runs in a fresh process (``review_run``: claim, every detector, findings with
their evidence, the checkpoint), which prints its wall time, its peak resident memory and the
findings per kind, and checks that every planted pattern was found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
import zoneinfo
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/steward_bench_review"
REPO = Path(__file__).resolve().parents[1]
MONTH = dt.date(2026, 9, 1)
ZONE = zoneinfo.ZoneInfo("America/Los_Angeles")
OFFICERS = 200
PARTNERS = 20
PARTNER_USERS = 5

# What the planted patterns must produce (kind -> at least this many findings).
EXPECTED = {
    "front.prohibited_purpose": 20,
    "front.near_line": 5,
    "front.repeated_refusals_user": 1,
    "front.repeated_refusals_agency": 1,
    "back.no_agreement": 5,
    "back.out_of_scope": 3,
    "side.after_refusal": 5,
    "side.after_federal_hotlist": 2,
    "side.proxy_wording": 1,
    "side.multi_agency_plate": 3,
    "side.operation_cluster": 1,
    "side.volume_jump": 1,
    "insider.many_plates": 1,
    "insider.repeated_plate": 1,
    "insider.off_hours": 1,
    "insider.case_reuse": 3,
    "hygiene.vague_reason": 1,
    "hygiene.placeholder_case": 1,
    "hygiene.unverified_hits": 1,
    "hygiene.agreement_past_expiry": 1,
}

PLACES = ["Main St", "Pine Rd", "Harbour Ave", "Dock St", "Lake Trail", "5th Ave", "Mill Creek", "Station Sq"]
CRIMES = [
    ("robbery", "Armed robbery at the {p} pharmacy, suspect vehicle seen leaving"),
    ("burglary", "Burglary of a warehouse on {p}, vehicle seen at the scene"),
    ("motor_vehicle_theft", "Stolen vehicle reported by its owner near {p}"),
    ("hit_and_run", "Hit and run collision on {p} injuring a cyclist, witness gave the plate"),
    ("assault", "Aggravated assault outside a bar on {p}, suspect drove off"),
    ("missing_person", "Missing person last seen driving near {p}"),
]


def ensure_database(url: str, fresh: bool) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if (
        not name
        or name in ("steward", "postgres")
        or name.startswith("test_")
        or "review" not in name
        and fresh
    ):
        sys.exit(f"refusing to rebuild database {name!r}: use one of its own, e.g. steward_bench_review")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if fresh:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("STEWARD_CHECKPOINT_KEY_PATH", str(REPO / "var" / "bench-checkpoint.pem"))
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(MONTH.year, MONTH.month, day, hour, minute, tzinfo=ZONE)


class Generator:
    def __init__(self, searches: int, events: int, reasons: int, seed: int = 7):
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        self.rng = random.Random(seed)
        self.target_searches, self.target_events = searches, events
        self.reason_variety = reasons
        self.search_rows: list[tuple] = []
        self.baseline_rows: list[tuple] = []
        self.event_rows: list[dict] = []
        self._plate = 0
        self._case = 0
        self._make_people()

    # --- the city and its people ------------------------------------------------------------------

    def _make_people(self) -> None:
        from cameras.models import Camera
        from portal.models import Agency, AgencyKind, City, PolicyPreset, User
        from portal.roles import Role
        from portal.tenancy import city_scope
        from sharing.models import AgreementState, SharingAgreement

        own = Agency.objects.create(name="Bench City Police Department", kind=AgencyKind.LOCAL, state="WA")
        self.city = City.objects.create(
            slug="review-bench",
            name="Review Bench",
            state="WA",
            policy_preset=PolicyPreset.WASHINGTON,
            retention_days=21,
            own_agency=own,
        )
        self.own = own
        self.officers = [
            User(username=f"officer-{n:03d}", city=self.city, agency=own, role=Role.OFFICER)
            for n in range(OFFICERS)
        ]
        User.objects.bulk_create(self.officers)
        self.officers = list(User.objects.filter(city=self.city).order_by("pk"))
        self.shift = {u.pk: self.rng.choice([7, 9, 12, 15]) for u in self.officers}
        self.partners, self.agreements, self.partner_users = [], {}, {}
        start, end = MONTH - dt.timedelta(days=200), MONTH + dt.timedelta(days=400)

        def partner(name, *, agreement=True, **flags):
            agency = Agency.objects.create(
                name=name, kind=flags.pop("kind", AgencyKind.LOCAL), state="WA", **flags
            )
            users = [
                User(username=f"{name.split()[0].lower()}-{n}", agency=agency, role=Role.PARTNER)
                for n in range(PARTNER_USERS)
            ]
            User.objects.bulk_create(users)
            self.partner_users[agency.pk] = list(User.objects.filter(agency=agency).order_by("pk"))
            for u in self.partner_users[agency.pk]:
                self.shift[u.pk] = self.rng.choice([8, 10, 13])
            if agreement:
                self.agreements[agency.pk] = SharingAgreement.all_cities.create(
                    city=self.city,
                    partner_agency=agency,
                    state=AgreementState.ACTIVE,
                    starts_on=start,
                    ends_on=end,
                    declaration_signed_by="Chief",
                    declaration_signed_at=at(1, 9),
                    approved_at=at(1, 9) - dt.timedelta(days=200),
                    state_changed_at=at(1, 9) - dt.timedelta(days=200),
                )
            return agency

        self.partners = [partner(f"Partner{n:02d} Police Department") for n in range(PARTNERS)]
        self.usbp = partner(
            "USBP Border Patrol", agreement=False, kind=AgencyKind.FEDERAL, immigration_enforcement=True
        )
        self.rogue = partner("Rogue County Sheriff", agreement=False)
        self.narrow = partner("Narrow Police Department")
        SharingAgreement.all_cities.filter(pk=self.agreements[self.narrow.pk].pk).update(
            allow_partial_plate=False
        )
        self.cluster = partner("Cluster County Sheriff")
        self.jumper = partner("Jumper Police Department")
        self.stale = partner("Stale Police Department")
        SharingAgreement.all_cities.filter(pk=self.agreements[self.stale.pk].pk).update(
            ends_on=MONTH + dt.timedelta(days=5)
        )
        with city_scope(self.city):
            self.camera = Camera.objects.create(name="North gate", latitude="47.3", longitude="-122.2")

    # --- rows ----------------------------------------------------------------------------------------

    def plate(self) -> str:
        self._plate += 1
        n = (self._plate * 2_654_435_761) % (26**3 * 10**4)
        letters = "".join(chr(65 + (n // 10**4 // 26**i) % 26) for i in range(3))
        return f"{letters}{n % 10**4:04d}"

    def case(self) -> str:
        self._case += 1
        return f"2026-{self._case:06d}"

    def search(
        self,
        when,
        user,
        *,
        plate=None,
        reason=None,
        offense=None,
        case=None,
        outcome="allowed",
        rule="allowed",
        agreement="auto",
        partial=False,
        audit=True,
        baseline=False,
    ) -> str:
        agency_id = user.agency_id
        if agreement == "auto":
            agreement = self.agreements.get(agency_id) if agency_id != self.own.pk else None
        if offense is None or reason is None:
            offense_code, template = self.rng.choice(CRIMES)
            offense = offense or offense_code
            reason = reason if reason is not None else template.format(p=self.rng.choice(PLACES))
        public_id = str(uuid.uuid4())
        plate = plate or self.plate()
        row = (
            public_id,
            when,
            user.pk,
            user.username,
            agency_id,
            self.agency_name(agency_id),
            agreement.pk if agreement else None,
            "local",
            reason,
            offense,
            case or self.case(),
            plate,
            partial,
            "{}",
            outcome,
            rule,
            "",
            json.dumps([rule]),
            3 if outcome == "allowed" else 0,
            0,
            0,
            self.city.pk,
        )
        (self.baseline_rows if baseline else self.search_rows).append(row)
        if audit and not baseline:
            self.event_rows.append(
                {
                    "occurred_at": when,
                    "actor": user,
                    "event_type": "search.performed",
                    "target_type": "search",
                    "target_id": public_id,
                    "outcome": outcome,
                    "details": {"plate_query": plate, "rule": rule, "reason": reason},
                }
            )
        return public_id

    def agency_name(self, agency_id):
        from portal.models import Agency

        if not hasattr(self, "_names"):
            self._names = dict(Agency.objects.values_list("pk", "name"))
        return self._names.get(agency_id, "")

    def moment(self, user, day=None, *, month=MONTH) -> dt.datetime:
        days = ((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month).days
        day = day or self.rng.randint(1, days)
        hour = self.shift[user.pk] + self.rng.randint(0, 6)
        return dt.datetime(
            month.year, month.month, day, hour, self.rng.randint(0, 59), self.rng.randint(0, 59), tzinfo=ZONE
        )

    def reason(self, template: str) -> str:
        """An ordinary reason: one of ``--reasons`` distinct texts (officers write details)."""
        n = self.rng.randrange(self.reason_variety)
        colours = ["red", "blue", "white", "black", "silver", "green", "grey"]
        makes = ["sedan", "pickup", "SUV", "van", "hatchback", "coupe"]
        return (
            f"{template.format(p=PLACES[n % len(PLACES)])}, {colours[n // 8 % 7]} {makes[n // 56 % 6]}, "
            f"report {n // 336:05d}"
        )

    def ordinary(self) -> None:
        searchers = self.officers * 2 + [u for a in self.partners for u in self.partner_users[a.pk]]
        # Cases cover one to three plates each, same user, same offense.
        made = 0
        while made < self.target_searches:
            user = self.rng.choice(searchers)
            offense, template = self.rng.choice(CRIMES)
            reason, case = self.reason(template), self.case()
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                self.search(self.moment(user), user, reason=reason, offense=offense, case=case)
                made += 1
        for months_back in (1, 2, 3):
            month = (MONTH - dt.timedelta(days=28 * months_back)).replace(day=1)
            for _ in range(self.target_searches // 2):
                user = self.rng.choice(searchers)
                self.search(self.moment(user, month=month), user, baseline=True)
        for _ in range(12):  # the jumper's usual month
            for months_back in (1, 2, 3):
                month = (MONTH - dt.timedelta(days=28 * months_back)).replace(day=1)
                user = self.partner_users[self.jumper.pk][0]
                self.search(self.moment(user, month=month), user, baseline=True)

    def planted(self) -> None:
        from audits.reviews.models import FederalOperation
        from cameras.models import Hit, HitStatus, Hotlist, HotlistEntry, HotlistSource, Read, ReadSource
        from portal.tenancy import city_scope

        officer = self.officers[0]
        p0 = self.partner_users[self.partners[0].pk][0]
        p1 = self.partner_users[self.partners[1].pk][0]
        p2 = self.partner_users[self.partners[2].pk][0]
        for n in range(20):
            self.search(
                at(1 + n, 10),
                p0,
                outcome="denied",
                rule="prohibited_purpose.immigration",
                reason="ICE ERO request, deportee",
            )
        for n in range(5):
            self.search(at(2 + n, 11), p1, reason="Assist ICE with a vehicle check, no warrant yet")
        for n in range(5):
            self.search(at(3 + n, 12), officer, outcome="denied", rule="missing_case_number", case="")
        for n, user in enumerate(self.partner_users[self.partners[3].pk][:2] * 3):
            self.search(at(4 + n, 12), user, outcome="denied", rule="vague_reason", reason="inv")
        rogue = self.partner_users[self.rogue.pk][0]
        for n in range(5):
            self.search(at(5 + n, 11), rogue, agreement=None)
        narrow = self.partner_users[self.narrow.pk][0]
        for n in range(3):
            self.search(at(6 + n, 11), narrow, plate="ABC", partial=True)
        usbp = self.partner_users[self.usbp.pk][0]
        for n in range(5):
            plate = f"SIDE{n:03d}"
            self.search(
                at(10 + n, 9),
                usbp,
                plate=plate,
                outcome="denied",
                rule="agency.immigration_enforcement",
                agreement=None,
            )
            self.search(at(10 + n, 15), p2, plate=plate)
        for n in range(10):
            self.search(at(12 + n % 5, 13), p2, reason="Courtesy run on behalf of a federal partner, robbery")
        for n in range(3):
            plate = f"MULT{n:03d}"
            self.search(at(15 + n, 9), officer, plate=plate)
            self.search(at(15 + n, 12), p0, plate=plate)
            self.search(at(15 + n, 16), p1, plate=plate)
        cluster = self.partner_users[self.cluster.pk][0]
        for n in range(6):
            self.search(at(2 + 4 * n, 10), cluster)
        for n in range(30):
            self.search(at(20 + n % 2, 8 + n % 9), cluster)
        jumper = self.partner_users[self.jumper.pk][0]
        for n in range(80):
            self.search(at(1 + n % 28, 10), jumper)
        browser = self.officers[1]
        for n in range(60):
            self.search(at(1 + n % 28, self.shift[browser.pk] + 1), browser, case="2026-999999")
        stalker = self.officers[2]
        for day in (2, 5, 9, 13, 18, 22, 26, 29):
            self.search(at(day, self.shift[stalker.pk] + 2), stalker, plate="EX0001")
        night = self.officers[3]
        for day in (7, 14, 21):
            self.search(at(day, (self.shift[night.pk] + 14) % 24), night)
        for n in range(3):
            self.search(at(4, 10), officer, case=f"2026-77{n:04d}", offense="robbery")
            self.search(at(9, 10), self.officers[5], case=f"2026-77{n:04d}", offense="fraud")
        for n in range(10):
            self.search(at(8 + n, 10), self.officers[6], reason="investigation")
        for n in range(10):
            self.search(at(8 + n, 11), self.officers[7], case="N/A")
        with city_scope(self.city):
            FederalOperation.objects.create(
                name="Operation Bench", starts_on=at(20, 0).date(), ends_on=at(21, 0).date()
            )
            federal = Hotlist.objects.create(
                name="Federal import", source=HotlistSource.NCIC_IMMIGRATION_VIOLATOR, created_by=officer
            )
            for n in range(2):
                entry = HotlistEntry.objects.create(
                    hotlist=federal, plate=f"FED{n:04d}", reason="listed", added_by=officer
                )
                HotlistEntry.objects.filter(pk=entry.pk).update(added_at=at(24 + n, 8))
                self.search(at(24 + n, 14), p1, plate=f"FED{n:04d}")
                read = Read.objects.create(
                    camera=self.camera,
                    source=ReadSource.DEVICE,
                    captured_at=at(24, 9),
                    plate=f"FED{n:04d}",
                    confidence=0.9,
                )
                hit = Hit.objects.create(
                    read=read,
                    entry=entry,
                    hotlist=federal,
                    match_kind="exact",
                    listed_plate=entry.plate,
                    reason="listed",
                    priority=2,
                    status=HitStatus.NEW,
                )
                Hit.objects.filter(pk=hit.pk).update(created_at=at(24, 9))

    def other_events(self) -> None:
        kinds = [
            "auth.login",
            "auth.logout",
            "reads.viewed",
            "hit.created",
            "audit.viewed",
            "hotlist.entry_added",
        ]
        people = self.officers
        month_seconds = 30 * 86400
        start = at(1, 0)
        while len(self.event_rows) < self.target_events:
            user = self.rng.choice(people)
            self.event_rows.append(
                {
                    "occurred_at": start + dt.timedelta(seconds=self.rng.randrange(month_seconds)),
                    "actor": user,
                    "event_type": self.rng.choice(kinds),
                    "target_type": "",
                    "target_id": "",
                    "outcome": "success",
                    "details": {"n": len(self.event_rows)},
                }
            )

    # --- load ----------------------------------------------------------------------------------------

    def load(self) -> None:
        from django.db import connection

        from audits import chain as chain_encoding
        from audits.services import chain_name

        columns = (
            "public_id, searched_at, user_id, username, agency_id, agency_name, agreement_id, scope, reason, "
            "offense_type, case_number, plate_query, partial, filters, outcome, rule, message, rules, "
            "cameras_reached, cities_reached, result_count, city_id"
        )
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            with cursor.copy(f"COPY sharing_search ({columns}) FROM STDIN") as copy:
                for row in self.search_rows + self.baseline_rows:
                    copy.write_row(row)
            name = chain_name(self.city)
            prev = chain_encoding.GENESIS_HASH
            city_public = str(self.city.public_id)
            self.event_rows.sort(key=lambda e: e["occurred_at"])
            with cursor.copy(
                "COPY audits_auditevent (public_id, chain, sequence, city_id, occurred_at, actor_id, actor_username, "
                "agency_id, agency_name, event_type, target_type, target_id, details, outcome, client_address, "
                "prev_hash, entry_hash) FROM STDIN"
            ) as copy:
                for sequence, e in enumerate(self.event_rows, start=1):
                    actor = e["actor"]
                    details = chain_encoding.canonical_details(e["details"])
                    outcome = {"allowed": "allowed", "denied": "denied"}.get(e["outcome"], e["outcome"])
                    entry_hash = chain_encoding.entry_hash(
                        chain=name,
                        sequence=sequence,
                        city=city_public,
                        occurred_at=e["occurred_at"],
                        actor_id=actor.pk,
                        actor_username=actor.username,
                        agency_id=actor.agency_id,
                        agency_name=self.agency_name(actor.agency_id),
                        event_type=e["event_type"],
                        target_type=e["target_type"],
                        target_id=e["target_id"],
                        details=details,
                        outcome=outcome,
                        client_address=None,
                        prev_hash=prev,
                    )
                    copy.write_row(
                        (
                            str(uuid.uuid4()),
                            name,
                            sequence,
                            self.city.pk,
                            e["occurred_at"],
                            actor.pk,
                            actor.username,
                            actor.agency_id,
                            self.agency_name(actor.agency_id),
                            e["event_type"],
                            e["target_type"],
                            e["target_id"],
                            json.dumps(details),
                            outcome,
                            None,
                            prev,
                            entry_hash,
                        )
                    )
                    prev = entry_hash
            cursor.execute("ANALYZE sharing_search")
            cursor.execute("ANALYZE audits_auditevent")


def generate(args) -> None:
    started = time.perf_counter()
    generator = Generator(args.searches, args.events, args.reasons)
    generator.ordinary()
    generator.planted()
    generator.other_events()
    built = time.perf_counter()
    generator.load()
    print(
        f"generated {len(generator.search_rows):,} searches in the month (+{len(generator.baseline_rows):,} baseline) "
        f"and {len(generator.event_rows):,} audit events in {built - started:.0f} s, loaded in "
        f"{time.perf_counter() - built:.0f} s"
    )


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def review(*, prepare: bool) -> None:
    from audits.reviews.models import Finding, Review
    from audits.reviews.services import review_run
    from portal.models import City

    city = City.objects.get(slug="review-bench")
    # --reuse: the previous run's review goes (its findings first), so the same month runs again.
    old = Review.all_cities.filter(city=city)
    Finding.evidence_searches.through.objects.filter(finding__review__in=old).delete()
    Finding.evidence_events.through.objects.filter(finding__review__in=old).delete()
    Finding.all_cities.filter(review__in=old).delete()
    old.delete()
    from audits.reviews.detectors import ReviewMonth, prepare_text_signals
    from audits.reviews.models import ReasonSignal
    from portal.tenancy import city_scope

    ReasonSignal.objects.all().delete()  # every run starts without kept text checks
    if prepare:
        window = ReviewMonth.of(city, MONTH, timezone_now())
        started = time.perf_counter()
        with city_scope(city):
            reasons = prepare_text_signals(city=city, since=window.start, until=window.end)
        print(
            f"text pre-pass (the daily task's work, summed over the month): {reasons:,} distinct reasons "
            f"in {time.perf_counter() - started:.1f} s"
        )
    # The row the beat would create (review_request would also queue it, and run it at once in the
    # embedded eager mode); the run itself is what is timed.
    created = Review.all_cities.create(city=city, month=MONTH)
    before = memory_kib("VmRSS")
    started = time.perf_counter()
    done = review_run(review_id=created.pk)
    seconds = time.perf_counter() - started
    peak = memory_kib("VmHWM")  # this process's peak (ru_maxrss would carry the parent's across exec)
    kinds = done.summary["findings_by_kind"]
    print(
        f"review of {done.summary['searches']:,} searches and {done.summary['audit_events']:,} audit events: "
        f"{seconds:.1f} s wall, peak RSS {peak / 1024:.0f} MiB (before the review {before / 1024:.0f} MiB)"
    )
    print(f"findings: {done.summary['findings']} {json.dumps(dict(sorted(kinds.items())))}")
    print(
        f"evidence links: {Finding.evidence_searches.through.objects.count():,} searches, "
        f"{Finding.evidence_events.through.objects.count():,} audit entries"
    )
    missing = {k: (kinds.get(k, 0), n) for k, n in EXPECTED.items() if kinds.get(k, 0) < n}
    print("every planted pattern found" if not missing else f"MISSED (found, planted): {missing}")
    if missing:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reasons", type=int, default=20_000, help="distinct ordinary reasons in the month")
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="run the daily text pre-pass over the month first (timed apart)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    parser.add_argument("--review-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if args.review_only:
        setup_django(url)
        review(prepare=args.prepare)
        return
    ensure_database(url, fresh=not args.reuse)
    if not args.reuse:
        setup_django(url)
        generate(args)
    # The review in a process of its own, so its memory peak is its own.
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, __file__, "--review-only"] + (["--prepare"] if args.prepare else [])
    sys.exit(subprocess.call(command, env=env))


if __name__ == "__main__":
    main()
