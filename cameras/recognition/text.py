"""Plate text normalisation and plausibility scoring (pure Python)."""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^A-Z0-9]")

US_STATES = (
    "ALABAMA ALASKA ARIZONA ARKANSAS CALIFORNIA COLORADO CONNECTICUT DELAWARE FLORIDA GEORGIA "
    "HAWAII IDAHO ILLINOIS INDIANA IOWA KANSAS KENTUCKY LOUISIANA MAINE MARYLAND MASSACHUSETTS "
    "MICHIGAN MINNESOTA MISSISSIPPI MISSOURI MONTANA NEBRASKA NEVADA NEWHAMPSHIRE NEWJERSEY "
    "NEWMEXICO NEWYORK NORTHCAROLINA NORTHDAKOTA OHIO OKLAHOMA OREGON PENNSYLVANIA RHODEISLAND "
    "SOUTHCAROLINA SOUTHDAKOTA TENNESSEE TEXAS UTAH VERMONT VIRGINIA WASHINGTON WESTVIRGINIA "
    "WISCONSIN WYOMING DISTRICTOFCOLUMBIA"
).split()

# Words that appear on plates but are never part of the registration.
PLATE_WORDS = set(US_STATES) | set(
    (
        "NEW YORK JERSEY HAMPSHIRE CAROLINA DAKOTA RHODE ISLAND WEST NORTH SOUTH DISTRICT COLUMBIA "
        "STATE SUNSHINE EMPIRE GARDEN LINCOLN LAND OF THE FIRST FLIGHT LIVE FREE OR DIE GRAND "
        "CANYON GREAT LAKES LONE STAR TEXAS WILD WONDERFUL FAMOUS POTATOES EXPLORE DISCOVER "
        "VACATIONLAND BEAUTIFUL AMERICA AMERICAS DAIRYLAND PEACH TREASURE SPIRIT ALOHA "
        "DMV GOV ORG COM NET WWW HTTP DEALER TRANSPORTER APPORTIONED COMMERCIAL TRUCK TRAILER "
        "VETERAN COUNTY MOTOR VEHICLE CENTENNIAL TAXI EXPIRES MONTH YEAR"
    ).split()
)
_PLATE_WORDS_LONG = sorted((w for w in PLATE_WORDS if len(w) >= 5), key=len, reverse=True)


def normalize_plate(text: str | None) -> str:
    """Upper-case a plate string and keep only ASCII letters and digits.

    >>> normalize_plate(" abc-12 34 ")
    'ABC1234'
    """
    if not text:
        return ""
    return _NON_ALNUM.sub("", str(text).upper())


def is_plate_word(token: str) -> bool:
    """True when ``token`` (already normalised) is a state name/slogan word."""
    t = normalize_plate(token)
    if not t:
        return False
    if t in PLATE_WORDS:
        return True
    if len(t) >= 6 and t.isalpha():
        for w in _PLATE_WORDS_LONG:
            if w in t or (len(t) >= 7 and t in w):
                return True
    return False


def plate_pattern_score(plate: str) -> float:
    """A 0..1 plausibility score for a normalised plate string.

    Typical registrations are 5–8 letters/digits with at least one digit.
    """
    n = len(plate)
    if n == 0:
        return 0.0
    if 5 <= n <= 8:
        s = 1.0
    elif n in (4,):
        s = 0.6
    elif n in (3, 9):
        s = 0.35
    else:
        s = 0.1
    if not any(c.isdigit() for c in plate):
        s *= 0.55
    if plate.isalpha() and is_plate_word(plate):
        s *= 0.1
    return s
