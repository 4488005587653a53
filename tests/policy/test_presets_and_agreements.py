"""Presets, the offense catalogue and evaluate_agreement (parent-chain blocks)."""

import pytest

from sharing.policy import AgencyProfile, PolicyRules, evaluate_agreement, presets
from sharing.policy import types as R
from sharing.policy.offenses import ALL_OFFENSE_CODES, OFFENSE_TYPES, normalize_offense


def test_washington_preset():
    p = presets.washington()
    assert p.home_state == "WA" and p.retention_days == 21
    assert p.prohibited_purposes == R.PROHIBITED_PURPOSES
    assert not p.allow_federal_agencies and not p.allow_out_of_state_agencies
    assert not p.national_lookup_enabled and not p.statewide_lookup_enabled
    assert {
        "stolen_vehicle",
        "missing_person",
        "amber_alert",
        "gross_misdemeanor",
        "homicide",
    } <= p.permitted_offense_types
    assert not {"misdemeanor", "traffic"} & p.permitted_offense_types
    assert p.min_partial_plate_length == 5


def test_california_preset():
    p = presets.california()
    assert p.home_state == "CA" and not p.allow_federal_agencies and not p.allow_out_of_state_agencies
    assert R.PURPOSE_IMMIGRATION in p.prohibited_purposes
    assert "1798.90.55" in p.citation(R.RULE_AGENCY_FEDERAL)


def test_illinois_preset_requires_declaration():
    p = presets.illinois()
    assert {R.PURPOSE_IMMIGRATION, R.PURPOSE_REPRODUCTIVE} <= p.prohibited_purposes
    assert p.allow_out_of_state_agencies and p.require_declaration_for_outside_agencies
    stl = AgencyProfile("St. Louis PD", "local", "MO")
    d = evaluate_agreement(stl, p)
    assert d.rule == R.RULE_AGENCY_DECLARATION and "625 ILCS 5/2-130" in d.message
    signed = AgencyProfile("St. Louis PD", "local", "MO", signed_declaration=True)
    assert evaluate_agreement(signed, p).allowed
    assert evaluate_agreement(AgencyProfile("Chicago PD", "local", "IL"), p).allowed


def test_other_preset_permissive_but_refuses_immigration():
    p = presets.preset_for_state("TX")
    assert p.preset == "OTHER" and p.home_state == "TX"
    # issue 9: every preset, the permissive one too, refuses First Amendment surveillance
    assert p.prohibited_purposes == frozenset({R.PURPOSE_IMMIGRATION, R.PURPOSE_FIRST_AMENDMENT})
    assert evaluate_agreement(AgencyProfile("FBI Dallas", "federal"), p).allowed
    assert evaluate_agreement(AgencyProfile("Tulsa PD", "local", "OK"), p).allowed
    assert (
        evaluate_agreement(AgencyProfile("U.S. Border Patrol", "federal"), p).rule
        == R.RULE_AGENCY_IMMIGRATION
    )


def test_preset_for_state_and_customize():
    assert presets.preset_for_state("wa").preset == "WA"
    assert presets.preset_for_state("IL").preset == "IL"
    p = presets.customize(presets.washington(), retention_days=14)
    assert p.retention_days == 14 and p.preset == "WA+custom"


def test_policy_validation():
    with pytest.raises(ValueError):
        PolicyRules(home_state="WA", prohibited_purposes=frozenset({"jaywalking"}))
    with pytest.raises(ValueError):
        AgencyProfile("X", kind="galactic")


@pytest.mark.parametrize(
    "label,code",
    [
        ("vehicle theft", "stolen_vehicle"),
        ("Stolen Vehicle", "stolen_vehicle"),
        ("stolen_vehicle", "stolen_vehicle"),
        ("hit and run", "hit_and_run"),
        ("Hit & Run", "hit_and_run"),
        ("missing person", "missing_person"),
        ("drug trafficking", "drug_trafficking"),
        ("kidnapping", "kidnapping"),
        ("robbery", "robbery"),
        ("assault", "assault"),
        ("theft", "theft"),
        ("warrant", "warrant"),
        ("other", "other"),
        ("AMBER Alert", "amber_alert"),
        ("murder", "homicide"),
        ("carjacking", "robbery"),
        ("", None),
        ("zzz unknown", None),
    ],
)
def test_offense_normalisation(label, code):
    assert normalize_offense(label) == code


def test_offense_catalogue_consistent():
    assert ALL_OFFENSE_CODES == frozenset(OFFENSE_TYPES)
    for p in (presets.washington(), presets.california(), presets.illinois(), presets.other("OR")):
        assert p.permitted_offense_types <= ALL_OFFENSE_CODES


# ---- agreements

WA = presets.washington()


def test_agreement_allowed_for_in_state_local():
    d = evaluate_agreement(AgencyProfile("Kent PD", "local", "WA"), WA)
    assert d.allowed and d.rule == R.RULE_ALLOWED


@pytest.mark.parametrize(
    "agency,rule",
    [
        (AgencyProfile("U.S. Border Patrol", "federal"), R.RULE_AGENCY_IMMIGRATION),
        (AgencyProfile("ICE ERO Seattle", "federal", "WA"), R.RULE_AGENCY_IMMIGRATION),
        (
            AgencyProfile(
                "Blaine Station",
                "federal",
                "WA",
                parent_chain=("U.S. Customs and Border Protection", "Department of Homeland Security"),
            ),
            R.RULE_AGENCY_IMMIGRATION,
        ),
        (
            AgencyProfile("Harmless Name", "local", "WA", immigration_enforcement=True),
            R.RULE_AGENCY_IMMIGRATION,
        ),
        (AgencyProfile("DEA Seattle Division", "federal", "WA"), R.RULE_AGENCY_FEDERAL),
        (AgencyProfile("Boise PD", "local", "ID"), R.RULE_AGENCY_OUT_OF_STATE),
        (AgencyProfile("Idaho State Police", "state", "ID"), R.RULE_AGENCY_OUT_OF_STATE),
        (AgencyProfile("Example County SO", "local", "WA", participates_287g=True), R.RULE_AGENCY_287G),
        (AgencyProfile("Kent PD", "local", "WA", federal_task_force=True), R.RULE_AGENCY_TASK_FORCE),
    ],
)
def test_agreement_refusals(agency, rule):
    d = evaluate_agreement(agency, WA)
    assert not d.allowed and d.rule == rule and d.message


def test_immigration_agency_refused_even_where_federal_allowed():
    p = presets.other("OR")
    assert (
        evaluate_agreement(AgencyProfile("Homeland Security Investigations", "federal"), p).rule
        == R.RULE_AGENCY_IMMIGRATION
    )


def test_agreement_block_list_direct_and_parent_chain():
    blocked = frozenset({"Yakima Regional Task Force", "U.S. Department of Homeland Security"})
    d = evaluate_agreement(AgencyProfile("yakima regional task force", "local", "WA"), WA, blocked)
    assert d.rule == R.RULE_AGENCY_BLOCKED and "block list" in d.message
    child = AgencyProfile("Sunnyside PD Detail", "local", "WA", parent_chain=("Yakima Regional Task Force",))
    d = evaluate_agreement(child, WA, blocked)
    assert d.rule == R.RULE_AGENCY_BLOCKED and "Yakima Regional Task Force" in d.message
    secret_service = AgencyProfile(
        "Secret Service Seattle", "federal", "WA", parent_chain=("Department of Homeland Security",)
    )
    d = evaluate_agreement(secret_service, presets.other("WA"), blocked)
    assert d.rule == R.RULE_AGENCY_BLOCKED  # "The U.S." prefix is ignored when comparing names
    assert evaluate_agreement(AgencyProfile("Kent PD", "local", "WA"), WA, blocked).allowed


def test_agreement_collects_all_violations():
    d = evaluate_agreement(
        AgencyProfile("U.S. Border Patrol", "federal", "WA", participates_287g=True),
        WA,
        {"U.S. Border Patrol"},
    )
    assert d.rules == (
        R.RULE_AGENCY_IMMIGRATION,
        R.RULE_AGENCY_BLOCKED,
        R.RULE_AGENCY_287G,
        R.RULE_AGENCY_FEDERAL,
    )
