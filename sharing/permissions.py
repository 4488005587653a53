"""Access rules of sharing pages: who may search a city, besides its members."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from portal.access import RULE_NOT_MEMBER, Refused, Rule
from portal.models import City, User
from sharing.grants import SearchGrant, grant_for


def request_grant(request: HttpRequest) -> SearchGrant:
    """The request's grant, built once (by the access rule, or here on first use)."""
    city, user = getattr(request, "city", None), request.user
    if not isinstance(city, City) or not isinstance(user, User):
        raise Refused(RULE_NOT_MEMBER)  # only signed-in users reach a rule under /c/<city_slug>/
    grant = getattr(request, "grant", None)
    if not isinstance(grant, SearchGrant) or grant.city.pk != city.pk or grant.searcher.pk != user.pk:
        grant = grant_for(user, city)
        request.grant = grant  # type: ignore[attr-defined]  # the access rule attaches it (GrantRequest)
    return grant


@dataclass(frozen=True)
class CitySearcher(Rule):
    """The city's officers and chief, or a partner user whose agency has an agreement in effect.

    Builds the request's ``SearchGrant`` (``request.grant``) and answers from it: members of the
    city with another role are refused (403); anyone else, partners without an agreement in effect
    or cut off included, gets the same 404 as for a city that does not exist. The middleware (or the
    DRF permission) records the refusal with the grant's rule.
    """

    description = "city officers and chief, or partner users under an active sharing agreement"

    def allows(self, request: HttpRequest) -> bool:
        if getattr(request, "city", None) is None:
            raise RuntimeError("CitySearcher rule on a view outside /c/<city_slug>/")
        grant = request_grant(request)
        if grant.allows_search:
            return True
        if not grant.refusal_is_not_found:
            return False  # a member of the city whose role does not search: 403
        cut_off = grant.cut_off
        raise Refused(
            grant.refusal or "",
            target_type="revocation_case" if cut_off is not None else "",
            target_id=str(cut_off.case.public_id) if cut_off is not None else "",
            message=cut_off.message if cut_off is not None else "",
        )


CITY_SEARCHER = CitySearcher()
