"""Access rules of sharing pages: who may search a city, besides its members."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from portal.access import Rule
from sharing.selectors import SEARCH_ROLES, agreement_in_effect


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
        raise Http404("No such city.")


CITY_SEARCHER = CitySearcher()
