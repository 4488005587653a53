"""Request types for views behind an access rule, and the signed-in user of a request.

``CityScopeMiddleware`` sets ``request.city`` on every request (``None`` outside ``/c/<city>/``),
and an access rule that names city roles lets only signed-in members through. A view under such a
rule annotates its request as ``CityRequest``, so that a type checker knows ``request.city`` and a
signed-in ``request.user``. ``sharing.grants.GrantRequest`` adds the searcher's grant.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

from portal.models import City, User


class ScopedRequest(HttpRequest):
    """Any request once ``CityScopeMiddleware`` has run: ``city`` is the URL's city, or None."""

    city: City | None


class CityUrlRequest(ScopedRequest):
    """A request under a city's URL (``/p/<city_slug>/``, ``/c/<city_slug>/``), signed in or not."""

    city: City


class SignedInRequest(ScopedRequest):
    """A request whose access rule admitted only signed-in users (``city`` may be None)."""

    user: User  # narrower than HttpRequest's: the access rule signed them in


class CityRequest(SignedInRequest):
    """A request under ``/c/<city_slug>/`` whose access rule admitted a signed-in member."""

    city: City


class CityApiRequest(Request):
    """A DRF request under a city's API URL (the middleware set ``city``; DRF proxies it)."""

    city: City


class CityMemberApiRequest(CityApiRequest):
    """A DRF request whose access rule admitted a signed-in member or partner of the city."""

    user: User  # narrower than DRF's: the access rule signed them in


def signed_in_user(request: HttpRequest) -> User:
    """The request's user where only signed-in users get this far (an access rule, the admin site).

    Refuses (403) rather than let an anonymous user reach a service that records who acted.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user
