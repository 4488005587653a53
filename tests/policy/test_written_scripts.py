"""Words matched in their own script (issue 9, round 8). The transliteration merges words in
scripts that drop vowels or marks (Arabic "صلاة", prayer, and "سلاح", weapon, both read "slh"), a
Latin entry matched the transliteration of another script's word, an unspaced Khmer run hid every
entry that did not start the run, Amharic and Arabic fuse prepositions and the article to the next
word, and a Japanese entry with a voiced kana ("だまし取") never matched the text, which had lost
the voicing mark. The requests are written for these tests (none is a corpus line); each allowed
reading has the refused one beside it."""

import pytest

from sharing.policy import screen as S
from tests.policy.test_roles import decide


def hits(family, text):
    return [source for source, _ in S.find(family, S.normalize(text))]


def test_arabic_prayer_is_not_a_weapon():
    # "a list of the cars that come to the mosque for the Friday prayer"
    assert "سلاح" not in hits("crime", "قائمة بالسيارات التي تأتي إلى المسجد لصلاة الجمعة")
    assert "سلاح" in hits("crime", "سطو مسلح على محل ذهب، والجاني هدد البائع بسلاح")


def test_a_latin_entry_does_not_match_another_scripts_word():
    norm = S.normalize("ਗੁਰਦੁਆਰਾ ਸਾਹਿਬ")
    assert set(norm.scripts) == {"GURMUKHI"}
    # the Devanagari spelling of the same word is another script's entry: it no longer matches
    assert "गुरुद्वारा" not in hits("first_amendment", "ਗੁਰਦੁਆਰਾ ਸਾਹਿਬ")
    assert "ਗੁਰਦੁਆਰ*" in hits("first_amendment", "ਗੁਰਦੁਆਰਾ ਸਾਹਿਬ")


def test_cyrillic_look_alikes_and_spaced_cyrillic_letters_still_read_as_latin():
    assert hits("immigration", "в и д в о р е н н я власника")  # spaced letters closed up
    assert S.normalize("Іce asked us").scripts[0] == S.LATIN


def test_fused_clitics_are_read_off():
    # Arabic article and preposition: "at the mosque", Amharic "of the church"
    assert hits("first_amendment", "السيارات عند المسجد")
    assert hits("first_amendment", "የቤተክርስቲያን ስብሰባ")


def test_a_khmer_word_inside_an_unspaced_run_is_found():
    # "someone broke the windows of the temple", written without spaces
    assert "បំបែក" in hits("crime", "មាននរណាម្នាក់បំបែកបង្អួចវត្ត")


def test_japanese_entries_with_voiced_kana_match():
    assert "だまし取" in hits("crime", "高齢者から現金をだまし取った男")


@pytest.mark.parametrize(
    "crime, tracking, offense",
    [
        (
            # Arabic: the mosque's windows were smashed at night, the camera caught a white van
            "تحطيم نوافذ المسجد ليلا، والكاميرا صورت شاحنة بيضاء",
            # Arabic: list the cars parked at the mosque during the Friday prayer
            "قائمة بالسيارات المتوقفة قرب المسجد وقت صلاة الجمعة",
            "تخريب",
        ),
        (
            # Amharic: the church's door was broken and hateful words written; the camera caught a car
            "የቤተክርስቲያኑ በር ተሰብሮ የጥላቻ ጽሁፍ ተጽፏል፤ ካሜራው አንድ መኪና ቀርጿል",
            # Amharic: list of the cars of those who came to the church service
            "በቤተክርስቲያን አምልኮ ላይ የተገኙ ሰዎች መኪናዎች ዝርዝር",
            "ንብረት ማውደም",
        ),
        (
            # Punjabi: hateful slogans painted on the gurdwara's gate, a car seen on camera
            "ਗੁਰਦੁਆਰੇ ਦੇ ਗੇਟ ਉੱਤੇ ਨਫ਼ਰਤ ਭਰੇ ਨਾਅਰੇ ਲਿਖੇ, ਕੈਮਰੇ ਵਿੱਚ ਚਿੱਟੀ ਕਾਰ",
            # Punjabi: find the cars of people who speak against the police at the council meeting
            "ਕੌਂਸਲ ਮੀਟਿੰਗ ਵਿੱਚ ਪੁਲਿਸ ਦੀ ਆਲੋਚਨਾ ਕਰਨ ਵਾਲਿਆਂ ਦੀਆਂ ਗੱਡੀਆਂ ਲੱਭੋ",
            "ਭੰਨਤੋੜ",
        ),
    ],
)
def test_a_crime_at_a_place_of_worship_is_allowed_and_tracking_its_people_is_not(crime, tracking, offense):
    d = decide(crime, offense)
    assert d.allowed, (d.rule, d.message)
    assert not decide(tracking, "other").allowed


@pytest.mark.parametrize(
    "crime, enforcement",
    [
        (
            # Khmer: a man posing as an immigration officer took money from a family, threatening them
            "បុរសម្នាក់ក្លែងខ្លួនជាមន្ត្រីអន្តោប្រវេសន៍ ហើយគំរាមយកលុយពីគ្រួសារមួយ",
            # Khmer: find this person who has no residence papers, to send him for deportation
            "រកអាសយដ្ឋានបុរសនេះដែលគ្មានឯកសារស្នាក់នៅ ដើម្បីនិរទេស",
        ),
        (
            # Japanese: a man claiming to be an immigration officer swindled cash from a student
            "入管職員だと名乗る男が外国人学生から現金をだまし取った",
            # Japanese: the owner overstays his residence status; find where he lives for deportation
            "所有者は在留資格が切れている。強制送還のため住所を特定したい",
        ),
    ],
)
def test_an_impostor_fraud_is_allowed_and_enforcement_is_not(crime, enforcement):
    d = decide(crime, "fraud")
    assert d.allowed, (d.rule, d.message)
    assert not decide(enforcement, "other").allowed
