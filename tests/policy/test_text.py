"""Reason-text analysis: obfuscations, misspellings, other languages, and innocent look-alikes."""

import pytest

from sharing.policy import text as T

POS_IMM = [
    "ICE",
    "ice",
    "I.C.E.",
    "i.c.e",
    "I C E",
    "I-C-E",
    "I_C_E",
    "I . C . E",
    "ICE+ERO",
    "ice/ero",
    "ICE-ERO",
    "ICEERO",
    "ICE WARRANT",
    "ice warrant",
    "Ice warrant service",
    "ICE detainer",
    "ice hold",
    "ICE agent requested plate",
    "assist ICE",
    "per ICE",
    "per ice",
    "help ice locate subject",
    "ICE request",
    "ICE's request",
    "HSI",
    "hsi case",
    "H.S.I. request",
    "CBP",
    "C.B.P.",
    "USBP",
    "U.S.B.P. assist",
    "Border Patrol",
    "border patrol assist",
    "boarder patrol",
    "BORDER PATROL",
    "US Border Patrol request",
    "Customs and Border Protection",
    "287(g)",
    "287g",
    "287 g",
    "287-g task",
    "I-200",
    "I-205 warrant",
    "I-247",
    "I-247A detainer",
    "i247",
    "I 247A",
    "immigration detainer",
    "administrative warrant",
    "admin warrant",
    "removal",
    "removal order",
    "order of removal",
    "removal proceedings",
    "deportation",
    "deportee",
    "deported subject",
    "deportable",
    "overstay",
    "visa overstay",
    "illegal alien",
    "illegal aliens",
    "Illegal immigrant",
    "illegal immigration",
    "undocumented",
    "undocumented subject",
    "immigration status",
    "ICE WARRANT",
    "targeting",
    "imigration",
    "immigraton",
    "deportaton",
    "deprotation",
    "imigrant",
    "immigation check",
    "undocumnted",
    "1mm1gr4t10n",
    "d3p0rt4t10n",
    "d3p0rt",
    "1CE",
    "1.C.E",
    "!CE hold",
    "ІСЕ",
    "іmmіgratіon",
    "ＩＣＥ",
    "I\u200bC\u200bE",
    "d e p o r t a t i o n",
    "inmigración",
    "inmigracion",
    "deportación",
    "migra",
    "la migra",
    "indocumentado",
    "sin papeles",
    "patrulla fronteriza",
    "immigration française",
    "sans-papiers",
    "expulsion sans papiers",
    "imigração",
    "deportação",
    "trục xuất",
    "nhập cư",
    "di trú",
    "deportasyon",
    "imigrasyon",
    "walang papeles",
    "иммиграция",
    "депортация",
    "нелегал",
    "移民",
    "遣返",
    "驱逐出境",
    "이민",
    "추방",
    "Abschiebung",
    "ERO",
    "ERO Seattle",
    "DHS removal",
    "criminal alien",
    "8 USC 1326",
    "re-entry after deportation",
    "immig violator hit follow-up",
    "Immigration Violator file hit",
    "wetback",
    "illegals",
    "ICE assist stolen vehicle",
    "ICE ERO fugitive operations",
    "HSI Seattle",
    "USCIS",
    "ICE hold on subject",
    "ice ero target",
    "Dep0rtation",
    "imm1gration",
    "alien registration",
]

NEG_IMM = [
    "hit and run on Ice Harbor Dr",
    "HIT AND RUN ON ICE HARBOR DR",
    "burglary at Border Tire",
    "ice cream truck robbery",
    "ICE CREAM TRUCK ROBBERY",
    "black ice crash",
    "BLACK ICE CRASH",
    "removal of stolen catalytic converter",
    "theft from the ice rink pro shop",
    "hit and run on Border Ave",
    "assault at Ice Arena",
    "theft of ice machine at gas station",
    "sold ice methamphetamine",
    "meth (ice) possession with intent to sell",
    "vehicle slid on ice and struck pedestrian",
    "Ice Harbor Brewing burglary",
    "burglary at the Ice House restaurant",
    "assault with an ice pick",
    "reported stolen vehicle",
    "departed the scene after collision",
    "department store robbery",
    "reporting party saw suspect vehicle",
    "documented gang member in shooting",
    "illegal dumping of stolen property",
    "illegally parked car used in robbery",
    "illegal discharge of firearm",
    "robbery suspect detained earlier fled",
    "tow removal of abandoned stolen car",
    "graffiti removal crew assaulted",
    "hit and run on I-205 NB",
    "I-205 southbound pursuit of stolen car",
    "hit and run on I-5",
    "data migration test",
    "robo de carro deportivo",
    "vehículo reportado robado",
    "vehicle reported stolen",
    "report of stolen vehicle",
    "Visa card fraud at Target",
    "shoplifting at Target store",
    "targeted shooting at park",
    "alien costume robbery suspect",
    "armed robbery at Ice Box Cafe",
    "stolen vehicle icy road crash",
    "theft of catalytic converter from Ice Cold Refrigeration van",
    "theft of bags of ice",
    "IMPORTED car stolen",
    "irrigation pump theft",
    "border collie stolen from yard",
    "Canadian border crossing stolen vehicle",
]

POS_FA = [
    "rally attendee plates",
    "protest attendees",
    "protesters",
    "protest",
    "plates of vehicles at the protest",
    "identify protesters",
    "vigil participants",
    "candlelight vigil attendees",
    "demonstration participants",
    "march participants",
    "anti-ICE march attendees",
    "No Kings protest",
    "who attended the rally",
    "picketing strikers",
    "activists at city hall",
    "protestors",
    "manifestantes",
    "protesta frente al ayuntamiento",
    "manifestation",
    "biểu tình",
    "抗议",
    "митинг участники",
    "union organizers",
    "mosque attendees",
    "track people at church service",
    "political rally vehicles",
    "protestr vehicles",
    "demonstraters",
]

NEG_FA = [
    "robbery at Rally's burgers",
    "hit and run on Rally Rd",
    "assault at protest, suspect fled in car",
    "burglary at church",
    "shooting near mosque",
    "stolen vehicle March 3",
    "stolen vehicle since March",
    "in March suspect stole car",
    "vandalism of synagogue, suspect vehicle",
    "arson at union hall",
    "demonstration of stolen goods sale",
    "shoplifting suspect pocketing items",
    "Protestant church burglary",
]

POS_R = [
    "reproductive health clinic visit",
    "abortion",
    "abortion clinic patient",
    "abortion investigation",
    "visited Planned Parenthood",
    "travel for abortion",
    "out of state abortion",
    "mifepristone shipment",
    "aborto",
    "abortoin",
    "abotion clinic",
    "reproductve care",
    "women's clinic visitors",
    "phá thai",
    "堕胎",
    "аборт",
    "self-managed abortion",
]

NEG_R = [
    "arson at Planned Parenthood",
    "vandalism at abortion clinic, suspect vehicle",
    "threats against clinic staff",
    "burglary at medical clinic",
    "aborted pursuit of stolen car",
]

VAGUE = [
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
    "investigation 24-0012",
    "per sgt",
    "request from agency",
    "suspect",
    "n/a",
    "?",
    "qwerty",
    "inv - see rpt",
]

SPEC = [
    "stolen vehicle",
    "shooting suspect",
    "robbery of pharmacy",
    "missing person, dementia",
    "kidnapping suspect vehicle",
    "hit and run on Border Ave",
    "theft from the ice rink pro shop",
    "DUI crash",
    "armed robbery 7-11",
]


@pytest.mark.parametrize("reason", POS_IMM)
def test_immigration_detected(reason):
    a = T.analyze(reason)
    assert a.is_immigration, (reason, a.immigration)
    assert T.find_immigration(reason)


@pytest.mark.parametrize("reason", NEG_IMM)
def test_innocent_lookalikes_not_immigration(reason):
    a = T.analyze(reason)
    assert not a.is_immigration, (reason, a.immigration)


@pytest.mark.parametrize("reason", POS_FA)
def test_first_amendment_detected(reason):
    assert T.find_first_amendment(reason), reason


@pytest.mark.parametrize("reason", NEG_FA)
def test_first_amendment_lookalikes(reason):
    assert not T.find_first_amendment(reason), reason


@pytest.mark.parametrize("reason", POS_R)
def test_reproductive_detected(reason):
    assert T.find_reproductive(reason), reason


@pytest.mark.parametrize(
    "reason", ["gender affirming care patient", "patients of the transgender clinic", "puberty blockers"]
)
def test_gender_affirming_care_is_its_own_family(reason):
    # filed under gender-affirming care, not reproductive care, so a city can screen one without the other
    assert T.find_gender_care(reason), reason
    assert not T.find_reproductive(reason), reason


@pytest.mark.parametrize("reason", NEG_R)
def test_reproductive_lookalikes(reason):
    assert not T.find_reproductive(reason), reason


@pytest.mark.parametrize("reason", VAGUE)
def test_vague(reason):
    assert T.is_vague(reason), (reason, T.analyze(reason).meaningful_words)


@pytest.mark.parametrize("reason", SPEC)
def test_specific(reason):
    assert not T.is_vague(reason), reason


@pytest.mark.parametrize(
    "word",
    [
        "report",
        "reported",
        "reporting",
        "reportable",
        "departed",
        "department",
        "departing",
        "documented",
        "irrigation",
        "importation",
        "illegal",
        "illegally",
        "detained",
        "retainer",
        "migration",
        "protect",
        "protecting",
        "protected",
        "pockets",
        "tickets",
        "processing",
        "productive",
        "reproduction",
        "decoration",
        "exportable",
        "deportivo",
        "deportes",
        "reportado",
        "clandestine",
        "marches",
    ],
)
def test_ordinary_neighbours_of_stems_do_not_fire(word):
    a = T.analyze(word)
    assert not a.is_immigration and not a.is_first_amendment and not a.is_reproductive, (word, a)


def test_edit_distance():
    assert T.edit_distance("deportaton", "deportation") == 1
    assert T.edit_distance("deprotation", "deportation") == 1  # transposition counts once
    assert T.edit_distance("abc", "abc") == 0
    assert T.edit_distance("kitten", "sitting", limit=1) == 2  # capped at limit + 1


def test_misspellings_found_by_distance_not_by_list():
    # none of these literal strings appear in the lexicon
    for w in ["immigratoin", "imigraton", "deportatoin", "undocumeted", "inmigrasion", "deportacon"]:
        assert w not in T.IMM_STRONG_WORDS
        assert T.analyze(w).is_immigration, w


def test_spelled_and_dotted_tokens_merge():
    toks = T.tokenize("per I . C . E and U.S.B.P")
    lows = [t.low for t in toks]
    assert "ice" in lows and "usbp" in lows
    assert all(t.spelled for t in toks if t.low in {"ice", "usbp"})


def test_confusables_and_fullwidth_fold_to_latin():
    assert T.latin_view("\u0406\u0421\u0415").upper() == "ICE"  # Cyrillic I, S, E
    assert T.latin_view("\uff29\uff23\uff25") == "ICE"  # full-width
    assert T.latin_view("inmigraci\u00f3n") == "inmigracion"
    # a genuine Russian word is left alone (and matched in its own script)
    assert T.latin_view("\u0434\u0435\u043f\u043e\u0440\u0442") == "\u0434\u0435\u043f\u043e\u0440\u0442"


def test_leetspeak_undone():
    assert [t.low for t in T.tokenize("d3p0rt 1mm1gr4t10n")] == ["deport", "immigration"]
    assert T.tokenize("1CE")[0].upper


def test_ice_context_rules():
    assert T.find_immigration("ICE")
    assert T.find_immigration("ice")  # nothing else in the reason: the agency
    assert T.find_immigration("stolen car, ICE hold")
    assert not T.find_immigration("stolen car on Ice Creek Rd")
    assert not T.find_immigration("stolen car, ice on windshield")  # lower-case, no agency context
    assert T.find_immigration("stolen car, ICE on scene")  # upper-case acronym


def test_weak_cues_need_company():
    assert T.find_immigration("removal")
    assert T.find_immigration("targeting")
    assert not T.find_immigration("removal of stolen catalytic converter")
    assert T.find_immigration("removal targeting")  # two weak cues
    assert T.find_immigration("DHS removal")


def test_interstate_205_vs_form_i205():
    assert not T.find_immigration("hit and run on I-205 NB")
    assert T.find_immigration("serve I-205 warrant")


def test_immigration_agency_names():
    for name in [
        "U.S. Immigration and Customs Enforcement",
        "U.S. Border Patrol",
        "ICE ERO Seattle",
        "Homeland Security Investigations",
        "Customs and Border Protection",
        "HSI Seattle",
        "US Citizenship and Immigration Services",
        "Blaine Sector Border Patrol",
        # issue 9: the department named bare is taken for an immigration agency (it was not before)
        "Department of Homeland Security",
        "U.S. Dept. of Homeland Security",
        "DHS",
        "U.S. Immigration & Customs Enforcement",
    ]:
        assert T.looks_like_immigration_agency(name), name
    # as a parent of another unit (Secret Service, Coast Guard) the department says nothing about it
    assert not T.looks_like_immigration_agency("Department of Homeland Security", as_parent=True)
    for name in [
        "DEA Seattle Division",
        "Auburn PD",
        "Rice County Sheriff",
        "FBI Seattle",
        "Ice Harbor Police Department",
        "",
    ]:
        assert not T.looks_like_immigration_agency(name), name


def test_normalize_name():
    assert T.normalize_name("The U.S. Border Patrol") == T.normalize_name("border patrol")
    assert T.normalize_name("  Auburn   PD ") == "auburn pd"


def test_findings_carry_evidence():
    a = T.analyze("plates for I.C.E. detainer")
    assert a.is_immigration
    assert any("I.C.E" in e for e in a.evidence("immigration"))


def test_place_names_built_on_trigger_words():
    assert not T.find_immigration("armed robbery at the Deport St pawn shop")
    assert not T.find_immigration("robbery at Immigrant Market on 5th")
    assert T.find_immigration("deportation center transfer")
