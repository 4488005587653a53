"""Over-refusal mechanisms found in the fifth generation of corpus writers' train rows (issue 9):
a report in a script the lexicons do not cover was refused as vague, a crime told with a verb
("broke the clinic's windows", "set fire to the doctor's car") was not taken for an offense, and a
protected-care reason with an offense type but no offense word the screen knows was refused
outright. The requests are written for these tests (none is a corpus line); each allowed reading
has the reading that must stay refused beside it."""

import pytest

from sharing.policy import engine as E
from sharing.policy import screen as S
from sharing.policy import types as R
from tests.policy.test_roles import decide


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
    text_other = f"{reason} ; other ; 26-0417"
    text_crime = f"{reason} ; vandalism ; 26-0417"
    assert not S.has_offense_content(reason)
    refused = S.screen_protected(text_other, "reproductive", reason=reason)
    held = S.screen_protected(text_crime, "reproductive", reason=reason)
    assert refused.outcome == S.REFUSE
    assert held.outcome == S.HOLD and "offense type: vandal*" in held.cues
    # and the whole engine runs nothing for it until the classifier or a supervisor settles it
    assert not decide(reason, "other").allowed


@pytest.mark.parametrize(
    "reason",
    [
        "No crime was reported; the reporter who wrote about the sheriff parks somewhere downtown, find where",
        "The burglary complaint turned out unfounded, but the organizer of Saturday's march drives this car: map it",
    ],
)
def test_a_denied_crime_word_names_no_offense(reason):
    assert not S.has_offense_content(reason)
    d = decide(reason, "burglary")
    assert not d.allowed and R.RULE_PURPOSE_FIRST_AMENDMENT in d.rules, d.rules


def test_a_preposition_of_absence_does_not_deny_the_crime():
    # "without papers" says who the victims are; the crime ("kept locked in") stands
    reason = "Labor trafficking: six workers without papers kept locked in a farm trailer, find the crew boss's truck"
    assert S.has_offense_content(reason)
    assert decide(reason, "trafficking").allowed


@pytest.mark.parametrize(
    "reason",
    [
        # Portuguese: the man has no papers, the federal people want him deported; where does he park
        "O homem está sem documentos e querem deportá-lo; onde ele estaciona a caminhonete?",
        # Hindi: this driver's papers are not in order, he is to be sent back to his country
        "इस ड्राइवर के पास कागज़ नहीं हैं, उसे वापस भेजना है, उसकी गाड़ी कहाँ खड़ी होती है",
        # Haitian Creole: he has no papers, they want to deport him, find his car
        "Li pa gen papye, yo vle depòte l, jwenn kote machin li ye",
        # Japanese: an overstayer to be deported, find where the car is parked
        "オーバーステイの男を強制送還したいので車の駐車場所を調べてほしい",
    ],
)
def test_immigration_enforcement_is_refused_in_more_languages(reason):
    d = decide(reason, "other")
    assert not d.allowed and R.RULE_PURPOSE_IMMIGRATION in d.rules, d.rules


@pytest.mark.parametrize(
    "reason, offense",
    [
        # Portuguese: a man posing as an immigration agent took money from families; find his car
        (
            "Um homem se passando por agente da imigração tirou dinheiro de várias famílias; precisamos do carro dele",
            "fraud",
        ),
        # Haitian Creole: a man pretending to be an immigration agent robbed workers
        ("Yon nonm ki fè tankou li se ajan imigrasyon vòlè travayè yo, jwenn machin li", "robbery"),
        # English: a nurse of a gender clinic is followed home by a stalker
        (
            "A nurse at the gender clinic says a grey Camry has been following her home after every night shift",
            "stalking",
        ),
    ],
)
def test_an_impostor_or_a_stalker_is_the_target_in_more_languages(reason, offense):
    d = decide(reason, offense)
    assert d.allowed, d.rules


@pytest.mark.parametrize(
    "reason",
    [
        "Who is the woman filming officers at every traffic stop on Pacific Ave? Pull her car's history",
        "Los que siempre graban a los agentes durante los arrestos en el centro: quiero sus domicilios",
        "Установите, где живёт парень, который снимает полицейских у рынка по вечерам",
        "The man who wrote the letter criticizing the chief, find out where he drives every day",
        "Những người luôn đến họp hội đồng thành phố để chất vấn thị trưởng, tìm nhà của họ",
    ],
)
def test_recording_or_criticising_officials_is_protected_activity(reason):
    d = decide(reason)
    assert not d.allowed and R.RULE_PURPOSE_FIRST_AMENDMENT in d.rules, d.rules


def test_an_arrest_word_is_no_crime_against_the_person():
    # Vietnamese "bắt" (to arrest) once matched the Haitian Creole "bat" (to beat) after its marks were
    # stripped, and the person to be deported read as a victim
    reason = "Nhân viên di trú nhờ chúng tôi tra biển số này để bắt người sắp bị trục xuất"
    assert not S.has_offense_content(reason)
    d = decide(reason)
    assert not d.allowed and R.RULE_PURPOSE_IMMIGRATION in d.rules, d.rules


@pytest.mark.parametrize(
    "reason",
    [
        # Amharic: his visa has expired, find the car so that he is expelled to his country
        "ቪዛው ያለፈበት ሰው ነው፤ ለማባረር መኪናውን ፈልጉ",
        # Somali: find the address of the man without legal status so that he is deported
        "Hel meesha uu gaarigiisa dhigto ninka aan sharciga haysan si loo masaafuriyo",
    ],
)
def test_immigration_enforcement_in_amharic_and_somali_paraphrase(reason):
    d = decide(reason)
    assert not d.allowed and R.RULE_PURPOSE_IMMIGRATION in d.rules, d.rules
