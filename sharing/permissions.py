"""Access rules of sharing pages: who may search a city, besides its members."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from audits.models import Outcome
from audits.services import audit_record
from portal.access import Rule
from sharing.selectors import SEARCH_ROLES, agency_cut_off, agreement_in_effect


def record_cut_off_refusal(*, request: HttpRequest, city, user) -> None:
    """Audit a partner refused because the city cut its agency off (suspension, revocation, block).

    An access rule answers before any service runs, so the rule writes this entry itself (in its
    own transaction: the refusal stands whatever the request does next). Partners that merely have
    no agreement get the city's 404 without an entry, like any outsider.
    """
    cut_off = agency_cut_off(city=city, agency=user.agency)
    if cut_off is None:
        return
    audit_record(
        event_type="access.refused",
        city=city,
        actor=user,
        target_type="revocation_case",
        target_id=str(cut_off.case.public_id),
        details={
            "path": request.path,
            "method": request.method,
            "via": "api" if request.path.startswith("/api/") else "web",
            "rule": f"agency.{cut_off.kind}",
            "message": cut_off.message,
        },
        outcome=Outcome.DENIED,
        request=request,
    )


@dataclass(frozen=True)
class CitySearcher(Rule):
    """The city's officers and chief, or a partner user whose agency has an agreement in effect.

    Members of the city with another role are refused (403); anyone else, partners without an
    agreement in effect included, gets the same 404 as for a city that does not exist.
    """

    description = "city officers and chief, or partner users under an active sharing agreement"

    def allows(self, request: HttpRequest) -> bool:
        city = getattr(request, "city", None)
        if city is None:
            raise RuntimeError("CitySearcher rule on a view outside /c/<city_slug>/")
        user = request.user
        if user.is_member_of(city):
            return user.role in SEARCH_ROLES
        if (
            user.is_authenticated
            and user.is_active
            and user.is_partner
            and agreement_in_effect(city=city, agency=user.agency) is not None
        ):
            return True
        if user.is_authenticated and user.is_partner:
            record_cut_off_refusal(request=request, city=city, user=user)
        raise Http404("No such city.")


CITY_SEARCHER = CitySearcher()
