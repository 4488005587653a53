"""Issue 9: each obfuscation family is refused, each over-refusal family is allowed, and every
decision names its rule, its evidence and the engine version. Phrasings here are written for these
tests (not the issue's examples, not ../shared/policy-cases)."""

import json

import pytest

from sharing.policy import ENGINE_VERSION, AgencyProfile, SearchRequest, evaluate_search, presets
from sharing.policy import types as R
from sharing.policy.evaluation import run_evaluation

KENT = AgencyProfile("Kent PD", "local", "WA")


def decide(reason, offense="other", case="26-4410", policy=None, agency=KENT):
    request = SearchRequest(
        reason=reason,
        case_number=case,
        offense_type=offense,
        plate_query="BKR4471",
        partial=False,
        agency=agency,
    )
    return evaluate_search(request, policy or presets.washington())


@pytest.mark.parametrize(
    "reason",
    [
        "Ice needs the overnight location of this pickup",  # title-case acronym as the requester
        "ice requested we run this tag",  # lower case
        "run the plate for ice",  # beneficiary at the end
        "I-C-E hold on driver",  # hyphens inside the acronym
        "d.e.p.o.r.t.a.t.i.o.n target",  # dots inside a word
        "im-migration follow-up on owner",  # hyphen inside a word
        "immi gration violator",  # space inside a word
        "ICE\u200b\u200dERO case",  # invisible characters
        "d\u0301eportation of the owner",  # a combining mark
        "\u1d05\u1d07\u1d18\u1d0f\u0280\u1d1b the driver",  # small capitals
        "\u0456mm\u0456grat\u0456on case",  # Cyrillic look-alike letters
        "\uff29\uff23\uff25 request",  # full-width
        "Immigration & Customs asked for the owner",  # & for and
    ],
)
def test_obfuscated_immigration_requests_are_refused(reason):
    d = decide(reason)
    assert not d.allowed
    assert d.rule == R.RULE_PURPOSE_IMMIGRATION, (reason, d.rule)
    assert d.evidence, "a refusal names what decided it"


@pytest.mark.parametrize(
    "name",
    [
        "Department of Homeland Security",
        "U.S. Dept of Homeland Security",
        "DHS Seattle",
        "Immigration & Customs Enf.",
    ],
)
def test_homeland_security_and_ampersand_agency_names_are_immigration_agencies(name):
    d = decide("stolen vehicle recovery", offense="vehicle theft", agency=AgencyProfile(name, "federal", ""))
    assert d.rule == R.RULE_AGENCY_IMMIGRATION


@pytest.mark.parametrize(
    "reason",
    [
        "his visa expired last spring, agents want the address",
        "owner's permission to stay has lapsed per the feds",
        "subject is in removal proceedings",
        "8 U.S.C. 1325 entry without inspection",
        "serve form I-200 on the registered owner",
        "287(g) agreement follow-up",
    ],
)
def test_paraphrases_statutes_and_forms_are_refused(reason):
    assert decide(reason).rule == R.RULE_PURPOSE_IMMIGRATION


@pytest.mark.parametrize(
    "reason",
    [
        "xác định vị trí người bị trục xuất",  # Vietnamese
        "помочь найти нелегального мигранта для депортации",  # Russian
        "为遣返查找该车辆",  # Chinese
        "추방 대상자 차량 조회",  # Korean
        "la migra pide la dirección del dueño indocumentado",  # Spanish
    ],
)
def test_other_languages_are_refused_under_the_right_rule(reason):
    assert decide(reason).rule == R.RULE_PURPOSE_IMMIGRATION


@pytest.mark.parametrize(
    "reason",
    ["车辆被盗，嫌疑人驾车逃离", "угон автомобиля со стоянки у рынка", "차량 도난 사건 용의자 차량"],
)
def test_legitimate_reports_in_other_scripts_are_not_vague(reason):
    assert decide(reason, offense="vehicle theft").allowed


@pytest.mark.parametrize(
    ("reason", "offense"),
    [
        (
            "forced labor trafficking of orchard workers without papers, suspect box truck",
            "human trafficking",
        ),
        ("notario scam against immigrant tenants, suspect sedan", "fraud"),
        ("suspect threatened to get the witness deported if she testified, extortion", "extortion"),
        ("employer kept the wages of undocumented cooks and threatened them with ICE", "human trafficking"),
        ("burglary at the immigration attorney's office, white van", "burglary"),
        ("estafa contra inmigrantes, camioneta del sospechoso", "fraud"),
        ("assault on a federal officer outside the courthouse, suspect fled in a Civic", "assault"),
        ("theft of a laptop at the Homeland Security building", "theft"),
        ("robbery suspect caught on video from a federal camera", "robbery"),
        ("burglary on Ice Harbor Drive, silver pickup", "burglary"),
        ("crash on black ice, driver fled the scene", "hit and run"),
        ("tire theft at Border Tire, suspect hatchback", "theft"),
        ("AMBER alert, toddler taken by non-custodial father", "kidnapping"),
    ],
)
def test_trap_words_in_legitimate_requests_are_allowed(reason, offense):
    d = decide(reason, offense=offense)
    assert d.allowed, (reason, d.rule, d.evidence)


@pytest.mark.parametrize(
    ("reason", "rule"),
    [
        ("vehicles parked at the tent city on 4th", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("list cars at tuesday's council meeting", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("who ran the petition drive outside the library", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("plates of spectators at the pride parade", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("cars of people who came to end a pregnancy", R.RULE_PURPOSE_REPRODUCTIVE),
        ("puberty blockers patients' vehicles", R.RULE_PURPOSE_REPRODUCTIVE),
    ],
)
def test_protected_activity_by_other_words_is_refused(reason, rule):
    assert rule in decide(reason).rules


@pytest.mark.parametrize(
    "reason", ["odd car", "plate of interest", "suspicious vehicle in area", "weird truck"]
)
def test_generic_descriptors_alone_are_vague(reason):
    assert decide(reason).rule == R.RULE_VAGUE_REASON


@pytest.mark.parametrize("case", ["none yet", "to follow", "TBD", "n/a", "will advise"])
def test_placeholder_case_numbers_are_refused(case):
    assert (
        decide("stolen vehicle recovery", offense="vehicle theft", case=case).rule
        == R.RULE_MISSING_CASE_NUMBER
    )


def test_every_decision_records_the_engine_version_and_outcome():
    allowed = decide("stolen vehicle recovery", offense="vehicle theft")
    refused = decide("ice wants this")
    assert allowed.engine_version == refused.engine_version == ENGINE_VERSION
    assert (allowed.outcome, refused.outcome) == ("allow", "deny")


def test_policy_eval_takes_a_preset_per_case(tmp_path, capsys):
    cases = [
        {
            "id": "ca1",
            "preset": "CA",
            "reason": "abortion clinic visitor plates",
            "case_number": "1",
            "offense": "other",
            "agency": "Fresno PD",
            "agency_state": "CA",
            "expect": "deny",
        },
        {
            "id": "ot1",
            "preset": "other",
            "reason": "burglary of the abortion clinic, visitor saw the plate",
            "case_number": "1",
            "offense": "other",
            "agency": "Tulsa PD",
            "agency_state": "OK",
            "expect": "allow",
        },
        {
            "id": "il1",
            "preset": "IL",
            "reason": "rally attendee plates",
            "case_number": "1",
            "offense": "other",
            "agency": "Peoria PD",
            "agency_state": "IL",
            "expect": "deny",
        },
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases))
    report = run_evaluation(path)
    assert [r.preset for r in report.results] == ["CA", "OTHER", "IL"]
    assert report.correct == 3 and report.held == 0
    out = capsys.readouterr().out
    assert "Share right: 3/3" in out and "Held for a supervisor: 0/3" in out
