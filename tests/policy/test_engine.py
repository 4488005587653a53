"""evaluate_search: every rule, its order, and the messages searchers act on."""

import pytest

from sharing.policy import AgencyProfile, SearchRequest, evaluate_search, presets
from sharing.policy import types as R

WA = presets.washington()
AUBURN = AgencyProfile("Auburn PD", "local", "WA")


def req(
    reason="armed robbery of pharmacy on Main St",
    case="24-1003",
    offense="robbery",
    agency=AUBURN,
    plate="ABC1234",
    partial=False,
    **kw,
):
    return SearchRequest(
        reason=reason,
        case_number=case,
        offense_type=offense,
        plate_query=plate,
        partial=partial,
        agency=agency,
        **kw,
    )


def test_legit_search_allowed():
    d = evaluate_search(req(), WA)
    assert d.allowed and d.rule == R.RULE_ALLOWED and d.violations == ()


@pytest.mark.parametrize(
    "reason",
    [
        "ICE",
        "I.C.E request",
        "ice/ero",
        "ICE+ERO follow up",
        "deportation order",
        "help HSI locate subject",
        "CBP assist",
        "border patrol request",
        "illegal alien",
        "removal",
        "visa overstay",
        "287(g) task",
        "I-247A detainer",
        "imigration",
        "deportaton",
        "inmigración",
        "la migra",
        "indocumentado",
        "депортация",
        "移民",
        "trục xuất",
        "immigration status check on driver",
        "I C E",
        "1CE hold",
    ],
)
def test_immigration_purpose_refused(reason):
    d = evaluate_search(req(reason=reason, offense="other"), WA)
    assert not d.allowed
    assert d.rule == R.RULE_PURPOSE_IMMIGRATION
    assert "RCW 10.93.160" in d.message and d.evidence


@pytest.mark.parametrize(
    "reason,offense",
    [
        ("hit and run on Ice Harbor Dr", "hit and run"),
        ("burglary at Border Tire on 3rd Ave", "burglary"),
        ("ice cream truck robbery at gunpoint", "robbery"),
        ("black ice crash, driver fled the scene", "hit and run"),
        ("removal of stolen catalytic converter from Toyota", "theft"),
        ("theft from the ice rink pro shop", "theft"),
        ("reported stolen vehicle seen at Target", "vehicle theft"),
    ],
)
def test_innocent_lookalikes_allowed(reason, offense):
    d = evaluate_search(req(reason=reason, offense=offense), WA)
    assert d.allowed, d


def test_immigration_in_offense_or_case_number_refused():
    assert (
        evaluate_search(req(reason="locate subject vehicle", offense="immigration violation"), WA).rule
        == R.RULE_PURPOSE_IMMIGRATION
    )
    assert (
        evaluate_search(req(reason="locate subject vehicle downtown", case="ICE-ERO-2291"), WA).rule
        == R.RULE_PURPOSE_IMMIGRATION
    )


def test_reproductive_and_first_amendment_refused():
    d = evaluate_search(req(reason="reproductive health clinic visit", offense="other"), WA)
    assert d.rule == R.RULE_PURPOSE_REPRODUCTIVE and "RCW 7.115" in d.message
    d = evaluate_search(req(reason="rally attendee plates", offense="other"), WA)
    assert d.rule == R.RULE_PURPOSE_FIRST_AMENDMENT
    # a crime at a protected place/event is still a crime investigation
    assert evaluate_search(
        req(reason="arson at Planned Parenthood, suspect vehicle", offense="arson"), WA
    ).allowed
    assert evaluate_search(
        req(reason="assault at protest, suspect fled in car", offense="assault"), WA
    ).allowed


def test_prohibited_purposes_follow_policy():
    other = presets.other("OR")
    # The permissive preset leaves reproductive care searches to the state's law...
    d = evaluate_search(
        req(
            reason="abortion clinic visitor plates",
            offense="other",
            agency=AgencyProfile("Portland PB", "local", "OR"),
        ),
        other,
    )
    assert R.RULE_PURPOSE_REPRODUCTIVE not in d.rules
    # ...but every preset refuses surveillance of First Amendment activity (issue 9)
    for preset in (other, presets.illinois(), presets.california(), WA):
        d = evaluate_search(req(reason="rally attendee plates", offense="other"), preset)
        assert R.RULE_PURPOSE_FIRST_AMENDMENT in d.rules, preset.preset
    # California and Washington refuse reproductive and gender-affirming care searches
    for preset in (presets.california(), WA):
        for reason in ("abortion clinic visitor plates", "patients of the gender-affirming care clinic"):
            d = evaluate_search(req(reason=reason, offense="other"), preset)
            assert R.RULE_PURPOSE_REPRODUCTIVE in d.rules, (preset.preset, reason)
    d = evaluate_search(
        req(reason="ICE warrant", offense="other", agency=AgencyProfile("Portland PB", "local", "OR")), other
    )
    assert d.rule == R.RULE_PURPOSE_IMMIGRATION


@pytest.mark.parametrize(
    "reason",
    [
        "investigation",
        "inv",
        "test",
        "testing",
        "check",
        "per request",
        "see case",
        "12345",
        "asdf",
        "case",
        "robbery",
        "stolen",
    ],
)
def test_vague_reason_refused(reason):
    d = evaluate_search(req(reason=reason), WA)
    assert d.rule == R.RULE_VAGUE_REASON
    assert "what happened, where, and when" in d.message
    # a bare word names no prohibited purpose either: the audit entry names the vague rule alone
    assert d.rules == (R.RULE_VAGUE_REASON,), d.rules


def test_missing_reason():
    assert evaluate_search(req(reason="   "), WA).rule == R.RULE_MISSING_REASON


@pytest.mark.parametrize("case", ["", "  ", "n/a", "NONE", "000", "tbd", "-"])
def test_missing_case_number(case):
    d = evaluate_search(req(case=case), WA)
    assert d.rule == R.RULE_MISSING_CASE_NUMBER and not d.allowed


def test_missing_offense_type():
    assert evaluate_search(req(offense=""), WA).rule == R.RULE_MISSING_OFFENSE_TYPE


def test_required_fields_can_be_turned_off():
    policy = presets.customize(presets.other("OR"), require_case_number=False, require_offense_type=False)
    assert evaluate_search(
        req(case="", offense="", agency=AgencyProfile("Salem PD", "local", "OR")), policy
    ).allowed


@pytest.mark.parametrize("offense", ["misdemeanor", "traffic", "speeding", "parking"])
def test_offense_not_permitted_in_washington(offense):
    d = evaluate_search(req(reason="driver failed to stop at 5th and Main", offense=offense), WA)
    assert d.rule == R.RULE_OFFENSE_NOT_PERMITTED
    assert "felonies, gross misdemeanors" in d.message


@pytest.mark.parametrize(
    "offense",
    [
        "vehicle theft",
        "stolen_vehicle",
        "missing person",
        "amber alert",
        "gross misdemeanor",
        "dui",
        "warrant",
        "kidnapping",
        "drug trafficking",
        "theft",
        "other",
    ],
)
def test_offense_permitted_in_washington(offense):
    assert evaluate_search(
        req(reason="suspect vehicle seen leaving scene on 5th Ave", offense=offense), WA
    ).allowed


def test_partial_plate_length():
    assert evaluate_search(req(plate="AB*12", partial=True), WA).allowed is False
    d = evaluate_search(req(plate="AB?1", partial=True), WA)
    assert d.rule == R.RULE_PARTIAL_PLATE_TOO_SHORT and "at least 5" in d.message
    assert evaluate_search(req(plate="ABC12*", partial=True), WA).allowed
    assert evaluate_search(req(plate="AB", partial=False), WA).allowed  # only partial searches are checked


def test_agency_rules_in_search():
    boise = AgencyProfile("Boise PD", "local", "ID")
    assert evaluate_search(req(agency=boise), WA).rule == R.RULE_AGENCY_OUT_OF_STATE
    dea = AgencyProfile("DEA Seattle Division", "federal", "WA")
    assert evaluate_search(req(agency=dea), WA).rule == R.RULE_AGENCY_FEDERAL
    ice = AgencyProfile("U.S. Immigration and Customs Enforcement", "federal", "WA")
    d = evaluate_search(req(reason="stolen car from dealership lot", offense="vehicle theft", agency=ice), WA)
    assert d.rule == R.RULE_AGENCY_IMMIGRATION and R.RULE_AGENCY_FEDERAL in d.rules
    flagged = AgencyProfile("Some Task Unit", "local", "WA", immigration_enforcement=True)
    assert evaluate_search(req(agency=flagged), WA).rule == R.RULE_AGENCY_IMMIGRATION
    g = AgencyProfile("Example County SO", "local", "WA", participates_287g=True)
    assert evaluate_search(req(agency=g), WA).rule == R.RULE_AGENCY_287G
    tf = AgencyProfile("Kent PD", "local", "WA", federal_task_force=True)
    assert evaluate_search(req(agency=tf), WA).rule == R.RULE_AGENCY_TASK_FORCE
    nostate = AgencyProfile("Mystery PD", "local", "")
    assert evaluate_search(req(agency=nostate), WA).rule == R.RULE_AGENCY_OUT_OF_STATE  # fails closed


def test_no_agreement_and_blocked_agency():
    assert evaluate_search(req(has_active_agreement=False), WA).rule == R.RULE_AGENCY_NO_AGREEMENT
    d = evaluate_search(req(), WA, blocked_agency_names={"auburn pd"})
    assert d.rule == R.RULE_AGENCY_BLOCKED and "block list" in d.message


def test_own_agency_skips_agency_rules_but_not_purpose():
    own = AgencyProfile("Auburn PD", "local", "WA", federal_task_force=True)
    assert evaluate_search(req(agency=own, is_own_agency=True), WA).allowed
    assert (
        evaluate_search(req(reason="ICE warrant", agency=own, is_own_agency=True), WA).rule
        == R.RULE_PURPOSE_IMMIGRATION
    )


def test_scope_rules():
    assert evaluate_search(req(scope=R.SCOPE_NATIONAL), WA).rule == R.RULE_SCOPE_NATIONAL
    assert evaluate_search(req(scope=R.SCOPE_STATEWIDE), WA).rule == R.RULE_SCOPE_STATEWIDE
    on = presets.customize(WA, national_lookup_enabled=True)
    assert evaluate_search(req(scope=R.SCOPE_NATIONAL), on).allowed


def test_rule_order():
    # prohibited purpose is recorded before other agency rules (monthly review revokes on it)
    d = evaluate_search(
        req(reason="ICE", case="", offense="", agency=AgencyProfile("Danville PD", "local", "IL")), WA
    )
    assert d.rules[0] == R.RULE_PURPOSE_IMMIGRATION
    assert d.rules[1:] == (
        R.RULE_AGENCY_OUT_OF_STATE,
        R.RULE_MISSING_CASE_NUMBER,
        R.RULE_MISSING_OFFENSE_TYPE,
        R.RULE_VAGUE_REASON,
    )
    # immigration agency before purpose
    d = evaluate_search(
        req(reason="ICE warrant", agency=AgencyProfile("ICE ERO Seattle", "federal", "WA")), WA
    )
    assert d.rules[:2] == (R.RULE_AGENCY_IMMIGRATION, R.RULE_PURPOSE_IMMIGRATION)
    # required fields before vague, vague before offense, offense before partial plate
    d = evaluate_search(req(reason="test", offense="traffic", plate="A1", partial=True), WA)
    assert d.rules == (R.RULE_VAGUE_REASON, R.RULE_OFFENSE_NOT_PERMITTED, R.RULE_PARTIAL_PLATE_TOO_SHORT)
    assert d.outcome == "deny"


def test_all_rule_codes_are_stable_strings():
    assert len(set(R.ALL_RULES)) == len(R.ALL_RULES)
    assert all(isinstance(r, str) and r for r in R.ALL_RULES)
