"""The offense-type catalogue a search must name, and free-text label mapping.

Each code has a label and a grade. Grades drive the presets: Washington permits
felonies, gross misdemeanors and watchlist uses (stolen vehicle, missing
person, AMBER alert) but not plain misdemeanors or traffic infractions.

Codes
-----
homicide, assault, robbery, burglary, theft, stolen_vehicle, hit_and_run,
kidnapping, sex_offense, arson, drug_trafficking, human_trafficking, fraud,
weapons, domestic_violence, dui, eluding, warrant (criminal warrants only:
administrative immigration warrants are a prohibited purpose, not an offense),
missing_person, amber_alert, other_felony, gross_misdemeanor, misdemeanor,
traffic, other.

Grade notes (Washington): theft 3 is a gross misdemeanor and theft 1-2 are
felonies, so ``theft`` always qualifies; assault 4, DUI, and attended-property
hit-and-run are gross misdemeanors; ``other`` means "described in the reason"
and is permitted by default because the reason must name the specific incident
(a city can remove it from its permitted set).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FELONY = "felony"
GROSS_MISDEMEANOR = "gross_misdemeanor"
WATCHLIST = "watchlist"
MISDEMEANOR = "misdemeanor"
INFRACTION = "infraction"
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class OffenseType:
    code: str
    label: str
    grade: str


OFFENSE_TYPES: dict[str, OffenseType] = {
    o.code: o
    for o in (
        OffenseType("homicide", "Homicide", FELONY),
        OffenseType("assault", "Assault / shooting", FELONY),
        OffenseType("robbery", "Robbery / carjacking", FELONY),
        OffenseType("burglary", "Burglary", FELONY),
        OffenseType("theft", "Theft", FELONY),
        OffenseType("stolen_vehicle", "Stolen vehicle", WATCHLIST),
        OffenseType("hit_and_run", "Hit and run", FELONY),
        OffenseType("kidnapping", "Kidnapping / abduction", FELONY),
        OffenseType("sex_offense", "Sex offense", FELONY),
        OffenseType("arson", "Arson", FELONY),
        OffenseType("drug_trafficking", "Drug trafficking", FELONY),
        OffenseType("human_trafficking", "Human trafficking", FELONY),
        OffenseType("fraud", "Fraud / identity theft", FELONY),
        OffenseType("weapons", "Weapons offense", FELONY),
        OffenseType("domestic_violence", "Domestic violence", GROSS_MISDEMEANOR),
        OffenseType("dui", "DUI", GROSS_MISDEMEANOR),
        OffenseType("eluding", "Eluding police", FELONY),
        OffenseType("warrant", "Criminal warrant", FELONY),
        OffenseType("missing_person", "Missing / endangered person", WATCHLIST),
        OffenseType("amber_alert", "AMBER alert", WATCHLIST),
        OffenseType("other_felony", "Other felony", FELONY),
        OffenseType("gross_misdemeanor", "Gross misdemeanor", GROSS_MISDEMEANOR),
        OffenseType("misdemeanor", "Misdemeanor", MISDEMEANOR),
        OffenseType("traffic", "Traffic infraction", INFRACTION),
        OffenseType("other", "Other (describe in reason)", UNSPECIFIED),
    )
}

ALL_OFFENSE_CODES = frozenset(OFFENSE_TYPES)

# Free-text labels -> code. Matching is on normalised tokens: a synonym matches
# when all its tokens occur in the label; the longest matching synonym wins.
_SYNONYMS: dict[str, str] = {
    "murder": "homicide",
    "manslaughter": "homicide",
    "homicide": "homicide",
    "death investigation": "homicide",
    "assault": "assault",
    "shooting": "assault",
    "stabbing": "assault",
    "aggravated assault": "assault",
    "drive by": "assault",
    "battery": "assault",
    "robbery": "robbery",
    "carjacking": "robbery",
    "car jacking": "robbery",
    "armed robbery": "robbery",
    "burglary": "burglary",
    "break in": "burglary",
    "breaking and entering": "burglary",
    "theft": "theft",
    "larceny": "theft",
    "shoplifting": "theft",
    "stolen property": "theft",
    "possession of stolen property": "theft",
    "catalytic converter": "theft",
    "vehicle theft": "stolen_vehicle",
    "auto theft": "stolen_vehicle",
    "car theft": "stolen_vehicle",
    "motor vehicle theft": "stolen_vehicle",
    "stolen vehicle": "stolen_vehicle",
    "stolen car": "stolen_vehicle",
    "stolen auto": "stolen_vehicle",
    "theft of motor vehicle": "stolen_vehicle",
    "tmv": "stolen_vehicle",
    "mvt": "stolen_vehicle",
    "stolen plate": "stolen_vehicle",
    "stolen plates": "stolen_vehicle",
    "hit and run": "hit_and_run",
    "hit run": "hit_and_run",
    "har": "hit_and_run",
    "kidnapping": "kidnapping",
    "kidnap": "kidnapping",
    "abduction": "kidnapping",
    "child abduction": "kidnapping",
    "sex offense": "sex_offense",
    "sexual assault": "sex_offense",
    "rape": "sex_offense",
    "child exploitation": "sex_offense",
    "sex crime": "sex_offense",
    "arson": "arson",
    "drug trafficking": "drug_trafficking",
    "narcotics": "drug_trafficking",
    "drugs": "drug_trafficking",
    "drug": "drug_trafficking",
    "vucsa": "drug_trafficking",
    "trafficking": "drug_trafficking",
    "human trafficking": "human_trafficking",
    "sex trafficking": "human_trafficking",
    "fraud": "fraud",
    "identity theft": "fraud",
    "forgery": "fraud",
    "embezzlement": "fraud",
    "weapons": "weapons",
    "weapon": "weapons",
    "firearm": "weapons",
    "firearms": "weapons",
    "gun": "weapons",
    "domestic violence": "domestic_violence",
    "dv": "domestic_violence",
    "dui": "dui",
    "dwi": "dui",
    "impaired driving": "dui",
    "vehicular assault": "assault",
    "vehicular homicide": "homicide",
    "eluding": "eluding",
    "elude": "eluding",
    "pursuit": "eluding",
    "warrant": "warrant",
    "felony warrant": "warrant",
    "criminal warrant": "warrant",
    "fugitive": "warrant",
    "missing person": "missing_person",
    "missing": "missing_person",
    "endangered person": "missing_person",
    "silver alert": "missing_person",
    "endangered missing": "missing_person",
    "runaway": "missing_person",
    "amber alert": "amber_alert",
    "amber": "amber_alert",
    "other felony": "other_felony",
    "felony": "other_felony",
    "gross misdemeanor": "gross_misdemeanor",
    "misdemeanor": "misdemeanor",
    "traffic": "traffic",
    "traffic infraction": "traffic",
    "infraction": "traffic",
    "speeding": "traffic",
    "parking": "traffic",
    "other": "other",
}


def _norm(label: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^a-z0-9]+", " ", (label or "").casefold().replace("&", " and ")).split())


_SYN_TOKENS = sorted(((_norm(k), v) for k, v in _SYNONYMS.items()), key=lambda kv: -len(kv[0]))


def normalize_offense(label: str) -> str | None:
    """Map a code or free-text label to a catalogue code; None if empty or unrecognised."""
    tokens = _norm(label)
    if not tokens:
        return None
    joined = "_".join(tokens)
    if joined in OFFENSE_TYPES:
        return joined
    token_set = set(tokens)
    for syn, code in _SYN_TOKENS:
        if set(syn) <= token_set:
            return code
    return None


def offense_label(code: str) -> str:
    o = OFFENSE_TYPES.get(code)
    return o.label if o else code


def codes_with_grades(*grades: str) -> frozenset[str]:
    return frozenset(c for c, o in OFFENSE_TYPES.items() if o.grade in grades)
