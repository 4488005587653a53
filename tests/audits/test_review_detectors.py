"""Each detector finds its planted pattern with its evidence, and leaves the near-miss alone."""

from __future__ import annotations

import datetime as dt

import pytest

from audits.reviews import detectors
from audits.reviews.models import FederalOperation
from audits.reviews.services import review_compute
from cameras.models import Hit, HitStatus, Hotlist, HotlistEntry, HotlistSource, Read, ReadSource
from portal.roles import Role
from portal.tenancy import city_scope
from sharing.models import AgreementState
from tests.audits.review_data import MONTH, Planter, at, before
from tests.factories import AgencyFactory, CameraFactory, city_user, partner_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def plant(city_a):
    return Planter(city_a)


def findings(city, kind=None):
    drafts = review_compute(city=city, month=MONTH)
    return [d for d in drafts if kind is None or d.kind == kind]


def test_a_clean_month_yields_no_findings(plant, city_a):
    plant.ordinary_month()
    assert findings(city_a) == []


# --- front door -------------------------------------------------------------------------------


def test_each_search_refused_for_a_prohibited_purpose_is_a_finding(plant, city_a):
    plant.ordinary_month(range(1, 5))
    refused = [
        plant.search(at(3), outcome="denied", rule="prohibited_purpose.immigration", reason="ICE ERO"),
        plant.search(at(4), outcome="denied", rule="prohibited_purpose.reproductive_health_care"),
    ]
    plant.search(at(5), outcome="denied", rule="missing_case_number")  # refused, not for a purpose
    found = findings(city_a, "front.prohibited_purpose")
    assert sorted(d.search_ids[0] for d in found) == sorted(s.pk for s in refused)
    assert {d.severity for d in found} == {"high", "medium"}


def test_allowed_search_near_the_line_is_found(plant, city_a):
    near = plant.search(at(6), reason="Assist ICE with a vehicle check on Main St, no warrant yet")
    plant.search(at(6), reason="Ice on the road caused a collision on Pine Road, driver fled")
    found = findings(city_a, "front.near_line")
    assert [d.search_ids for d in found] == [[near.pk]]


def test_repeated_refusals_by_a_user_and_by_an_agency(plant, city_a):
    repeat = plant.partner
    for day in (2, 3, 4):
        plant.search(at(day), user=repeat, outcome="denied", rule="vague_reason", reason="investigation")
    colleague = partner_user(plant.partner_agency)
    for day in (5, 6):
        plant.search(at(day), user=colleague, outcome="denied", rule="vague_reason", reason="inv")
    # Near-miss: an officer refused twice.
    for day in (2, 3):
        plant.search(at(day), outcome="denied", rule="missing_case_number")
    users = findings(city_a, "front.repeated_refusals_user")
    assert [(d.user_id, len(d.search_ids)) for d in users] == [(repeat.pk, 3)]
    agencies = findings(city_a, "front.repeated_refusals_agency")
    assert [(d.agency_id, len(d.search_ids)) for d in agencies] == [(plant.partner_agency.pk, 5)]


# --- back door --------------------------------------------------------------------------------


def test_partner_search_with_no_agreement_in_effect_is_always_high(plant, city_a):
    stranger = partner_user(AgencyFactory(name="Faraway County Sheriff"))
    lapsed_agency = AgencyFactory(name="Lapsed PD")
    lapsed = plant.agreement_for(lapsed_agency, ends_on=MONTH + dt.timedelta(days=9))
    lapsed_user = partner_user(lapsed_agency)
    revoked_agency = AgencyFactory(name="Revoked PD")
    revoked = plant.agreement_for(revoked_agency, state=AgreementState.REVOKED, state_changed_at=at(10))
    revoked_user = partner_user(revoked_agency)

    no_agreement = plant.search(at(3), user=stranger, agreement=None)
    after_end = plant.search(at(12), user=lapsed_user, agreement=lapsed)
    after_revocation = plant.search(at(11), user=revoked_user, agreement=revoked)
    # Near-misses: inside the agreement's period, before the revocation, a refused attempt.
    plant.search(at(9, 10), user=lapsed_user, agreement=lapsed)
    plant.search(at(9), user=revoked_user, agreement=revoked)
    plant.search(at(4), user=stranger, agreement=None, outcome="denied", rule="agency.no_agreement")
    found = findings(city_a, "back.no_agreement")
    assert sorted(d.search_ids[0] for d in found) == sorted(
        s.pk for s in (no_agreement, after_end, after_revocation)
    )
    assert {d.severity for d in found} == {"high"}


def test_partner_search_outside_the_agreement_scope(plant, city_a):
    narrow_agency = AgencyFactory(name="Narrow PD")
    narrow = plant.agreement_for(
        narrow_agency, permitted_offense_types=["robbery"], allow_partial_plate=False
    )
    user = partner_user(narrow_agency)
    partial = plant.search(at(3), user=user, agreement=narrow, plate="ABC", partial=True)
    offense = plant.search(at(4), user=user, agreement=narrow, offense_type="fraud")
    plant.search(at(5), user=user, agreement=narrow, offense_type="robbery")  # within scope
    found = {d.search_ids[0]: d.detail for d in findings(city_a, "back.out_of_scope")}
    assert set(found) == {partial.pk, offense.pk}
    assert "partial" in found[partial.pk] and "offense" in found[offense.pk]


# --- side door --------------------------------------------------------------------------------


def test_partner_searching_a_plate_shortly_after_an_immigration_agency_was_refused(plant, city_a):
    usbp = partner_user(plant.federal_agency())
    refused = plant.search(
        at(8, 9), user=usbp, plate="IMM0001", outcome="denied", rule="agency.immigration_enforcement"
    )
    follow = plant.search(at(8, 15), user=plant.partner, plate="IMM0001")
    plant.search(at(20), user=plant.partner, plate="IMM0001")  # twelve days later: not "shortly"
    plant.search(at(8, 16), user=plant.partner, plate="OTHER01")  # another plate
    found = findings(city_a, "side.after_refusal")
    assert len(found) == 1
    assert found[0].agency_id == plant.partner_agency.pk
    assert found[0].search_ids == [refused.pk, follow.pk]
    assert found[0].severity == "high"


def test_search_after_a_federal_source_hotlist_entry(plant, city_a):
    chief = city_user(city_a, Role.CHIEF)
    with city_scope(city_a):
        federal = Hotlist.objects.create(
            name="Imported federal list", source=HotlistSource.NCIC_IMMIGRATION_VIOLATOR, created_by=chief
        )
        stolen = Hotlist.objects.create(name="Stolen", source=HotlistSource.STATE_NCIC, created_by=chief)
        entry = HotlistEntry.objects.create(hotlist=federal, plate="FED0001", reason="listed", added_by=chief)
        HotlistEntry.objects.filter(pk=entry.pk).update(added_at=at(10, 8))
        local = HotlistEntry.objects.create(hotlist=stolen, plate="STL0001", reason="stolen", added_by=chief)
        HotlistEntry.objects.filter(pk=local.pk).update(added_at=at(10, 8))
    follow = plant.search(at(11, 9), user=plant.partner, plate="FED0001")
    plant.search(at(11, 9), user=plant.partner, plate="STL0001")  # a stolen-vehicle list: no finding
    plant.search(at(9, 9), user=plant.partner, plate="FED0001")  # before the entry appeared
    found = findings(city_a, "side.after_federal_hotlist")
    assert [d.search_ids for d in found] == [[follow.pk]]


@pytest.mark.parametrize(
    "reason",
    [
        "Assisting HSI with a stolen car investigation",
        "Run on behalf of a federal partner, robbery suspect",
        "Courtesy check for another agency, burglary",
        "Búsqueda en nombre de la agencia federal, robo",
        "Cortesía para socio federal, vehículo robado",
        "Recherche pour le compte de la police fédérale, vol",
        "A pedido de CBP, veículo roubado",
        "代表联邦机构查询 robbery",
        "ASS1ST1NG f3d partner with robbery case",
    ],
)
def test_proxy_wording_is_found_in_several_languages_and_spellings(plant, city_a, reason):
    search = plant.search(at(12), user=plant.partner, reason=reason)
    found = findings(city_a, "side.proxy_wording")
    assert [d.search_ids for d in found] == [[search.pk]], reason


@pytest.mark.parametrize(
    "reason",
    [
        "Assault with a deadly weapon at the Federal Way mall parking lot",
        "Robbery of the courthouse cafe, suspect fled in this car",
        "Missing person assistant manager reported vehicle stolen",
    ],
)
def test_proxy_wording_near_misses(plant, city_a, reason):
    plant.search(at(12), user=plant.partner, reason=reason)
    assert findings(city_a, "side.proxy_wording") == []


def test_one_plate_searched_by_several_agencies_in_a_short_window(plant, city_a):
    third = partner_user(AgencyFactory(name="Third PD"))
    plant.agreement_for(third.agency)
    window = [
        plant.search(at(14, 9), plate="MULTI01"),
        plant.search(at(14, 13), user=plant.partner, plate="MULTI01"),
        plant.search(at(14, 20), user=third, plate="MULTI01", agreement=None),
    ]
    # Near-miss: the same three agencies on one plate, but days apart.
    plant.search(at(2), plate="SPREAD1")
    plant.search(at(6), user=plant.partner, plate="SPREAD1")
    plant.search(at(12), user=third, plate="SPREAD1", agreement=None)
    found = findings(city_a, "side.multi_agency_plate")
    assert [sorted(d.search_ids) for d in found] == [sorted(s.pk for s in window)]


def test_partner_searches_clustering_on_the_days_of_a_federal_operation(plant, city_a):
    with city_scope(city_a):
        FederalOperation.objects.create(
            name="Operation Tidewater", starts_on=at(15).date(), ends_on=at(16).date()
        )
    steady = partner_user(AgencyFactory(name="Steady PD"))
    plant.agreement_for(steady.agency)
    for day in range(1, 31):
        plant.search(at(day), user=steady)  # one a day, operation days included
    for n in range(6):
        plant.search(at(15 + n % 2, 8 + n), user=plant.partner)
    plant.search(at(3), user=plant.partner)
    found = findings(city_a, "side.operation_cluster")
    assert [d.agency_id for d in found] == [plant.partner_agency.pk]
    assert len(found[0].search_ids) == 6


def test_search_volume_jump_against_the_agency_baseline(plant, city_a):
    jumper = partner_user(AgencyFactory(name="Jumper PD"))
    plant.agreement_for(jumper.agency)
    steady = partner_user(AgencyFactory(name="Steady PD"))
    plant.agreement_for(steady.agency)
    for months_back in (1, 2, 3):
        for n in range(10):
            plant.search(before(30 * months_back - 10 + n % 5), user=jumper)
            plant.search(before(30 * months_back - 10 + n % 5), user=steady)
    for n in range(40):
        plant.search(at(1 + n % 28, 9 + n % 8), user=jumper)
    for n in range(25):  # 2.5 times its baseline: under the line
        plant.search(at(1 + n % 28, 9 + n % 8), user=steady)
    found = findings(city_a, "side.volume_jump")
    assert [d.agency_id for d in found] == [jumper.agency_id]


# --- insider misuse ---------------------------------------------------------------------------


def test_many_distinct_plates_without_matching_cases(plant, city_a):
    browser = city_user(city_a, Role.OFFICER)
    for n in range(30):
        plant.search(at(1 + n % 28), user=browser, case_number="2026-000777")
    busy = city_user(city_a, Role.OFFICER)
    for n in range(30):  # as many plates, each under its own case
        plant.search(at(1 + n % 28), user=busy)
    found = findings(city_a, "insider.many_plates")
    assert [d.user_id for d in found] == [browser.pk] and len(found[0].search_ids) == 30


def test_one_plate_searched_again_and_again_by_the_same_user(plant, city_a):
    stalker = city_user(city_a, Role.OFFICER)
    for day in (2, 5, 9, 13, 20):
        plant.search(at(day), user=stalker, plate="EX10001", case_number="2026-55555")
    diligent = city_user(city_a, Role.OFFICER)
    for hour in (9, 10, 11, 12, 13):  # five searches in one afternoon of a pursuit: not the pattern
        plant.search(at(7, hour), user=diligent, plate="PUR0001", case_number="2026-66666")
    found = findings(city_a, "insider.repeated_plate")
    assert [(d.user_id, len(d.search_ids)) for d in found] == [(stalker.pk, 5)]


def test_searches_far_outside_the_users_usual_hours(plant, city_a):
    night = city_user(city_a, Role.OFFICER)
    for n in range(30):
        plant.search(before(1 + n, 9 + n % 3), user=night)  # usually 09:00-11:00
    odd = plant.search(at(10, 3), user=night)
    plant.search(at(11, 12), user=night)  # an hour past the usual: not far outside
    newcomer = city_user(city_a, Role.OFFICER)
    plant.search(at(11, 2), user=newcomer)  # no baseline: nothing to compare with
    found = findings(city_a, "insider.off_hours")
    assert [(d.user_id, d.search_ids) for d in found] == [(night.pk, [odd.pk])]


def test_case_numbers_reused_across_unrelated_searches(plant, city_a):
    reused = [
        plant.search(at(3), case_number="2026-12345", offense_type="robbery"),
        plant.search(at(9), case_number="2026-12345", offense_type="fraud"),
    ]
    for day in (4, 5, 6):  # one case, several vehicles, one offense: ordinary
        plant.search(at(day), case_number="2026-22222", offense_type="burglary")
    found = findings(city_a, "insider.case_reuse")
    assert [sorted(d.search_ids) for d in found] == [sorted(s.pk for s in reused)]


# --- hygiene ----------------------------------------------------------------------------------


def test_vague_reasons_and_placeholder_case_numbers(plant, city_a):
    vague = plant.search(at(3), reason="investigation")
    placeholders = [
        plant.search(at(4), case_number=value) for value in ("N/A", "0000", "12345", "tbd", "xxx")
    ]
    plant.search(at(5), case_number="2026-000123")  # a real one
    found_vague = findings(city_a, "hygiene.vague_reason")
    assert [d.search_ids for d in found_vague] == [[vague.pk]]
    found = findings(city_a, "hygiene.placeholder_case")
    assert [sorted(d.search_ids) for d in found] == [sorted(s.pk for s in placeholders)]


@pytest.mark.parametrize("value", ["2026-000123", "24-1111-A", "WA-77-2026", "CR20260042"])
def test_real_case_numbers_are_not_placeholders(value):
    assert not detectors.is_placeholder_case_number(value)


def test_hits_never_verified_and_agreements_past_expiry(plant, city_a):
    chief = city_user(city_a, Role.CHIEF)
    camera = CameraFactory(city=city_a)
    with city_scope(city_a):
        hotlist = Hotlist.objects.create(name="Stolen", source=HotlistSource.STATE_NCIC, created_by=chief)
        entry = HotlistEntry.objects.create(hotlist=hotlist, plate="HIT0001", reason="stolen", added_by=chief)
        for n, status in enumerate((HitStatus.NEW, HitStatus.CONFIRMED)):
            read = Read.objects.create(
                camera=camera, source=ReadSource.DEVICE, captured_at=at(5), plate=f"HIT000{n}", confidence=0.9
            )
            hit = Hit.objects.create(
                read=read,
                entry=entry,
                hotlist=hotlist,
                match_kind="exact",
                listed_plate="HIT0001",
                reason="stolen",
                priority=2,
                status=status,
            )
            Hit.objects.filter(pk=hit.pk).update(created_at=at(5))
    stale_agency = AgencyFactory(name="Stale PD")
    plant.agreement_for(stale_agency, ends_on=MONTH + dt.timedelta(days=4))  # still active on paper
    plant.agreement_for(
        AgencyFactory(name="Ended PD"), ends_on=MONTH + dt.timedelta(days=4), state=AgreementState.EXPIRED
    )
    hits = findings(city_a, "hygiene.unverified_hits")
    assert [d.facts["hits"] for d in hits] == [1]
    expired = findings(city_a, "hygiene.agreement_past_expiry")
    assert [d.agency_id for d in expired] == [stale_agency.pk]


def test_near_miss_month_of_every_kind_together_still_has_no_findings(plant, city_a):
    """The near-misses of every test above in one month: none of them is a finding."""
    plant.ordinary_month(range(1, 29), per_day=1)
    diligent = city_user(city_a, Role.OFFICER)
    for hour in (9, 10, 11, 12, 13):
        plant.search(at(7, hour), user=diligent, plate="PUR0001", case_number="2026-66666")
    for day in (4, 5, 6):
        plant.search(at(day), case_number="2026-22222", offense_type="burglary")
    plant.search(at(12), user=plant.partner, reason="Assault with a deadly weapon at the Federal Way mall")
    plant.search(at(6), reason="Ice on the road caused a collision on Pine Road, driver fled")
    assert findings(city_a) == []


def test_text_checks_are_kept_per_distinct_reason_and_reused(plant, city_a):
    from audits.reviews.models import ReasonSignal

    plant.search(at(3), reason="Courtesy check for HSI, robbery")
    plant.search(at(4), reason="Courtesy check for HSI, robbery")
    plant.search(at(5), reason="investigation")
    with city_scope(city_a):
        assert detectors.prepare_text_signals(city=city_a, since=before(1), until=at(30)) == 2
    kept = ReasonSignal.objects.filter(analyzer=detectors.ANALYZER)
    assert kept.count() == 2 and kept.filter(vague=True).count() == 1
    assert kept.exclude(proxy_wording="").count() == 1
    # The review reads the kept results: one proxy finding (two searches), one vague one.
    found = findings(city_a)
    assert {d.kind for d in found} >= {"side.proxy_wording", "hygiene.vague_reason"}
    assert ReasonSignal.objects.count() == 2  # nothing analysed twice
