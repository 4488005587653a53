"""Over-refusal mechanisms found in the fifth generation of corpus writers' train rows (issue 9):
a report in a script the lexicons do not cover was refused as vague, a crime told with a verb
("broke the clinic's windows", "set fire to the doctor's car") was not taken for an offense, and a
protected-care reason with an offense type but no offense word the screen knows was refused
outright. The requests are written for these tests (none is a corpus line); each allowed reading
has the reading that must stay refused beside it."""

import pytest

from sharing.policy import AgencyProfile, SearchRequest, evaluate_search, presets
from sharing.policy import engine as E
from sharing.policy import screen as S
from sharing.policy import types as R

WA = presets.washington()
KENT = AgencyProfile("Kent PD", "local", "WA")


def decide(reason, offense="other"):
    return evaluate_search(
        SearchRequest(
            reason=reason,
            case_number="26-0912",
            offense_type=offense,
            plate_query="ABC1234",
            partial=False,
            agency=KENT,
        ),
        WA,
    )


@pytest.mark.parametrize(
    "reason",
    [
        # Hindi: a shop owner was beaten and his cash box taken, the car's number is on the camera
        "दुकानदार को पीटकर उसकी नकदी की पेटी छीन ली गई, कैमरे में गाड़ी का नंबर साफ़ दिख रहा है",
        # Punjabi: a truck driver was robbed at the rest stop at night, the robbers' car was seen
        "ਰਾਤ ਨੂੰ ਰੈਸਟ ਸਟਾਪ 'ਤੇ ਟਰੱਕ ਡਰਾਈਵਰ ਨੂੰ ਲੁੱਟਿਆ ਗਿਆ, ਲੁਟੇਰਿਆਂ ਦੀ ਕਾਰ ਕੈਮਰੇ ਵਿੱਚ ਦਿਖੀ",
        # Khmer: a man snatched a woman's bag at the market and fled in a grey car
        "បុរសម្នាក់បានឆក់កាបូបស្ត្រីម្នាក់នៅផ្សារ ហើយរត់គេចខ្លួនដោយឡានពណ៌ប្រផេះ",
    ],
)
def test_a_concrete_report_in_an_uncovered_script_is_not_vague(reason):
    assert not E.is_vague_reason(reason)
    d = decide(reason, "robbery")
    assert d.allowed, d.rules


@pytest.mark.parametrize(
    "reason",
    [
        "गाड़ी चेक",  # Hindi: "check car"
        "ਕਾਰ ਦੇਖੋ",  # Punjabi: "look at car"
        "ตรวจสอบรถคันนี้หน่อย",  # Thai, written without spaces: "check this car please"
    ],
)
def test_a_few_words_in_those_scripts_are_still_vague(reason):
    assert E.is_vague_reason(reason)
    assert decide(reason, "robbery").rule == R.RULE_VAGUE_REASON


@pytest.mark.parametrize(
    "crime, tracking",
    [
        (
            "Alguien quebró todas las ventanas de la clínica de aborto anoche; la cámara grabó una camioneta blanca",
            "Anota las placas de las mujeres que entran a la clínica de aborto esta semana",
        ),
        (
            "Неизвестный поджёг машину врача женской клиники, где делают аборты; ищем его серый седан",
            "Составьте список машин пациенток, приезжающих в клинику на аборт",
        ),
        (
            "Someone smashed the windshield of the abortion clinic's shuttle van and keyed the doors; grey pickup on video",
            "Which cars parked at the abortion clinic on Saturday, list the owners",
        ),
    ],
)
def test_a_crime_told_with_a_verb_is_investigated_and_tracking_stays_refused(crime, tracking):
    assert S.has_offense_content(crime)
    d = decide(crime, "vandalism")
    assert d.allowed, d.rules
    refused = decide(tracking)
    assert not refused.allowed and R.RULE_PURPOSE_REPRODUCTIVE in refused.rules


def test_an_offense_type_alone_holds_a_protected_care_reason_instead_of_refusing_it():
    reason = "white van seen behind the abortion clinic on 5th at 2 am"
    text_other = f"{reason} ; other ; 26-0912"
    text_crime = f"{reason} ; vandalism ; 26-0912"
    assert not S.has_offense_content(reason)
    refused = S.screen_protected(text_other, "reproductive", reason=reason)
    held = S.screen_protected(text_crime, "reproductive", reason=reason)
    assert refused.outcome == S.REFUSE
    assert held.outcome == S.HOLD and "offense type: vandal*" in held.cues
    # and the whole engine runs nothing for it until the classifier or a supervisor settles it
    assert not decide(reason, "other").allowed
