"""The multilingual screen: obfuscation cannot step around it, role cues keep legitimate reports
running, unsure cases are held, and every decision carries the engine version."""

import json
from pathlib import Path

import pytest

from sharing.policy import AgencyProfile, SearchRequest, evaluate_search, presets
from sharing.policy import screen as S
from sharing.policy import types as R
from sharing.policy.engine import case_number_present
from sharing.policy.evaluation import evaluate_case

WA = presets.washington()
KENT = AgencyProfile("Kent PD", "local", "WA")


def decide(reason, offense="other", case="26-0101", policy=WA):
    return evaluate_search(
        SearchRequest(
            reason=reason,
            case_number=case,
            offense_type=offense,
            plate_query="ABC1234",
            partial=False,
            agency=KENT,
        ),
        policy,
    )


@pytest.mark.parametrize(
    "reason",
    [
        "Ice asked us to locate this car",  # title-case acronym as requester
        "ice wants the owner's car",
        "per ice, plate history",
        "I C E request for the plate",  # spaced letters
        "im-migration hold on the owner",  # hyphen inside a word
        "immi.gration status of the owner",  # dot inside a word
        "immi\u200bgration status of the owner",  # zero-width space
        "de\u0301portation of the driver",  # combining mark
        "\u1d05\u1d07\u1d18\u1d0f\u0280\u1d1b the driver",  # small capitals
        "\u0406ce wants him located",  # Cyrillic look-alike I
        "d\u0435port the driver",  # Cyrillic e inside a Latin word
        "Customs & Border Protection requested the reads",  # & for and
        "Department of Homeland Security asked for the plate",
        "his permission to stay ran out, the feds want him flown home",
        "subject has a pending case before the immigration judge",
        "driver is out of status, find him",
        "I-247 detainer on the owner",
        "8 USC 1326 reentry, track the truck",
    ],
)
def test_obfuscated_and_paraphrased_immigration_refused(reason):
    d = decide(reason)
    assert not d.allowed
    assert d.rule == R.RULE_PURPOSE_IMMIGRATION, (reason, d.rule, d.message)


@pytest.mark.parametrize(
    ("reason", "offense"),
    [
        ("human trafficking of workers without papers, suspect van", "human trafficking"),
        ("fraud targeting immigrants, fake notario's car", "fraud"),
        ("suspect threatened to have the victim deported, harassment", "harassment"),
        ("assault on a federal officer outside the courthouse", "assault"),
        ("theft at the federal building parking lot", "theft"),
        ("video from a CBP camera shows the stolen car", "vehicle theft"),
        ("robbery of a day labourer at the corner store", "robbery"),
        ("hit and run on Ice Harbor Dr", "hit and run"),
        ("black ice crash, driver fled the scene", "hit and run"),
        ("theft from the ice cream truck", "theft"),
        ("vandalism at Border Tire, suspect car", "vandalism"),
        ("hit and run, ice on the road near the bridge", "hit and run"),
    ],
)
def test_victim_place_threat_and_evidence_roles_allowed(reason, offense):
    d = decide(reason, offense)
    assert d.allowed, (reason, d.rule, d.message)


@pytest.mark.parametrize(
    "reason",
    [
        "入室盗窃嫌疑人车辆",
        "车辆被盗，昨晚在停车场",
        "угон автомобиля, подозреваемый скрылся",
        "도난 차량 용의자",
    ],
)
def test_legitimate_reports_in_other_scripts_allowed(reason):
    d = decide(reason, "vehicle theft")
    assert d.allowed, (reason, d.rule, d.message)


@pytest.mark.parametrize(
    "reason",
    [
        "车主将被遣返，请查找车辆位置",
        "移民局要求查找这辆车",
        "депортация владельца автомобиля",
        "추방 대상자 차량 위치",
    ],
)
def test_prohibited_requests_in_other_scripts_refused_under_the_right_rule(reason):
    d = decide(reason)
    assert not d.allowed and d.rule == R.RULE_PURPOSE_IMMIGRATION, (reason, d.rule)


@pytest.mark.parametrize(
    ("reason", "rule"),
    [
        ("plates of everyone at the encampment", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("vigil attendees list", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("people at the council meeting", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("petition drive volunteers", R.RULE_PURPOSE_FIRST_AMENDMENT),
        ("woman who ended her pregnancy, find her car", R.RULE_PURPOSE_REPRODUCTIVE),
        ("transition-related care patient vehicle", R.RULE_PURPOSE_REPRODUCTIVE),
    ],
)
def test_protected_activity_paraphrases_refused(reason, rule):
    assert decide(reason).rule == rule


def test_california_refuses_reproductive_and_gender_affirming_care():
    ca = presets.california()
    assert decide("abortion clinic patient plates", policy=ca).rule == R.RULE_PURPOSE_REPRODUCTIVE
    assert decide("trans patients of the gender clinic", policy=ca).rule == R.RULE_PURPOSE_REPRODUCTIVE
    assert (
        decide("abortion clinic patient plates", policy=presets.illinois()).rule
        == R.RULE_PURPOSE_REPRODUCTIVE
    )


@pytest.mark.parametrize("make", [presets.washington, presets.california])
@pytest.mark.parametrize(
    "reason",
    [
        "abortion clinic patient plates",
        "find the woman who ended her pregnancy last month",
        "trans patients of the gender clinic",
        "list cars of people getting puberty blockers at the hospital",
    ],
)
def test_wa_and_ca_refuse_reproductive_and_gender_affirming_care(make, reason):
    assert decide(reason, policy=make()).rule == R.RULE_PURPOSE_REPRODUCTIVE


def test_gender_affirming_care_toggle_screens_reproductive_care_only():
    ca = presets.customize(presets.california(), protect_gender_affirming_care=False)
    d = decide("track the cars of trans patients of the gender clinic on Main St", policy=ca)
    assert R.RULE_PURPOSE_REPRODUCTIVE not in d.rules
    assert decide("abortion clinic patient plates", policy=ca).rule == R.RULE_PURPOSE_REPRODUCTIVE


@pytest.mark.parametrize("make", [presets.washington, presets.california, presets.illinois, presets.other])
def test_every_preset_refuses_first_amendment_surveillance(make):
    d = decide("plates of everyone at the rally outside city hall", policy=make())
    assert d.rule == R.RULE_PURPOSE_FIRST_AMENDMENT


def test_crime_at_a_protected_place_allowed():
    assert decide("arson at the planned parenthood clinic", "arson").allowed
    assert decide("assault at the protest on 4th Ave, suspect fled", "assault").allowed


def test_conflicting_cues_hold_for_a_supervisor_with_rule_and_evidence():
    # a victim cue and a purpose cue at once: unclear, so a supervisor decides
    d = decide("fraud victim is undocumented, ICE asked us to verify his status", "fraud")
    assert d.held and not d.allowed and d.outcome == R.OUTCOME_HOLD
    assert d.rule == R.RULE_PURPOSE_IMMIGRATION and d.evidence
    assert "supervisor" in d.message
    assert d.as_json()["engine_version"] == R.ENGINE_VERSION


def test_a_firm_refusal_outranks_a_hold():
    d = evaluate_search(
        SearchRequest(
            reason="fraud victim is undocumented, ICE asked us to verify his status",
            case_number="26-1",
            offense_type="fraud",
            plate_query="ABC1234",
            partial=False,
            agency=AgencyProfile("Boise PD", "local", "ID"),
        ),
        WA,
    )
    assert not d.held and d.outcome == R.OUTCOME_DENY
    assert R.RULE_PURPOSE_IMMIGRATION in d.rules


@pytest.mark.parametrize(
    "reason", ["odd car", "plate of interest", "investigation", "checking", "suspicious vehicle"]
)
def test_vague_reasons_refused(reason):
    assert decide(reason).rule in (R.RULE_VAGUE_REASON, R.RULE_MISSING_REASON)


@pytest.mark.parametrize(
    "case", ["none yet", "to follow", "tbd", "n/a", "pending", "000", "xxx", "unknown", "later"]
)
def test_placeholder_case_numbers_refused(case):
    assert not case_number_present(case)
    assert decide("stolen car from driveway", "vehicle theft", case=case).rule == R.RULE_MISSING_CASE_NUMBER


def test_normalize_transliterates_and_closes_separators():
    assert S.normalize("I.C.E").tokens == ("ice",)
    assert S.normalize("d e p o r t").tokens == ("deport",)
    assert "and" in S.normalize("Customs & Border").tokens
    assert S.normalize("trục xuất").tokens == ("truc", "xuat")
    assert S.normalize("遣返").cjk == (" qian fan ",)  # one syllable a character


def test_han_entries_match_whole_syllables_and_russian_words_stay_russian():
    # 一名 (yi ming, "one") must not read as 移民 (yi min, "immigrant") in run-together pinyin
    assert not S._facts("肇事逃逸撞死一名行人")["immigration"]
    assert S._facts("他是非法移民")["immigration"]
    # "его" (his) is not the look-alike acronym ERO inside a Russian sentence...
    assert not S._facts("тело мужчины нашли в гараже, его Лексус пропал")["acronym"]
    # ...while a look-alike acronym inside English text still is one
    assert S._facts("\u0415R\u041e wants the car")["acronym"]


def test_ice_is_not_the_agency_in_weather_food_and_street_names():
    for text in ("ice on the road", "black ice", "ice cream truck", "Ice Harbor Dr"):
        assert S.agency_acronyms(S.normalize(text)) == ([], []), text
    mentioned, requester = S.agency_acronyms(S.normalize("Ice asked us"))
    assert mentioned == ["ICE"] and requester


CORPUS = Path(__file__).resolve().parents[2] / "sharing" / "policy" / "corpus" / "cases.jsonl"
# Measured on the held-out test split when the corpus was written (docs/policy.md): 101/103.
TEST_SPLIT_RIGHT = 101 / 103
# That figure covers the first 325 cases (ids up to c0326). The red-team cases appended after them
# (c0327 on) are measured by `python -m sharing.policy.corpus.report`; raise this scope to the
# whole corpus once the screen is trained on the new train split.
MEASURED_UP_TO = 326


def test_corpus_test_split_rate():
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if int(r["id"][1:]) <= MEASURED_UP_TO]
    test = [r for r in rows if r["split"] == "test"]
    assert len(test) >= 60
    right = sum(evaluate_case(r).correct for r in test)
    assert right / len(test) >= TEST_SPLIT_RIGHT - 0.02, f"{right}/{len(test)}"
