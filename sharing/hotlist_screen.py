"""The city's sharing policy applied to hotlists: subscribed to ``cameras.hooks.hotlist_screens``."""

from __future__ import annotations

from cameras.hooks import HotlistEntryProposed, HotlistProposed, HotlistRefusal
from cameras.models import HotlistSource
from sharing.policy.text import find_immigration
from sharing.policy.types import RULE_PURPOSE_IMMIGRATION
from sharing.selectors import engine_policy_of

IMMIGRATION_PURPOSE = "civil_immigration_enforcement"


def refuse_immigration_hotlists(event: HotlistProposed) -> HotlistRefusal | None:
    """Where the city prohibits civil immigration enforcement, no hotlist may serve it: neither the
    NCIC Immigration Violator File nor a list whose name says it serves immigration enforcement."""
    if IMMIGRATION_PURPOSE not in engine_policy_of(event.city).prohibited_purposes:
        return None
    if event.source != HotlistSource.NCIC_IMMIGRATION_VIOLATOR and not find_immigration(event.name):
        return None
    return HotlistRefusal(
        rule=RULE_PURPOSE_IMMIGRATION,
        message=(
            f"{event.city.name}'s policy prohibits civil immigration enforcement, so a hotlist that serves it "
            "(such as the NCIC Immigration Violator File) cannot be created or imported."
        ),
    )


def refuse_immigration_entries(event: HotlistEntryProposed) -> HotlistRefusal | None:
    """An entry whose reason serves civil immigration enforcement is refused in every city."""
    if not find_immigration(event.reason):
        return None
    return HotlistRefusal(
        rule=RULE_PURPOSE_IMMIGRATION,
        message="Refused: civil immigration enforcement is a prohibited purpose.",
    )
