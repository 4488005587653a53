"""Deny by default: every view declares who may use it.

A view carries an access rule (``@access(rule)`` on a function, ``access_rule = rule`` on a class).
``AccessRuleMiddleware`` refuses any view without one, and enforces the rule of HTML views before
they run. DRF views are enforced by ``DeclaredAccessRule``, a DRF permission, because token
authentication happens inside DRF, after the middleware. ``tests/portal/test_access_rules.py`` walks
the whole URLconf and fails on any view that has no rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from rest_framework.permissions import BasePermission

from portal.roles import Role


class Rule:
    """An access rule. ``check`` returns None to allow, or raises / returns a refusal kind."""

    description = ""

    def needs_login(self) -> bool:
        return True

    def allows(self, request: HttpRequest) -> bool:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<Rule {self.description}>"


class _Public(Rule):
    description = "anyone, signed in or not"

    def needs_login(self) -> bool:
        return False

    def allows(self, request: HttpRequest) -> bool:
        return True


class _SignedIn(Rule):
    description = "any signed-in user"

    def allows(self, request: HttpRequest) -> bool:
        return True


class _AdminSite(Rule):
    description = "Django admin (staff only, enforced by the admin site)"

    def needs_login(self) -> bool:
        return False

    def allows(self, request: HttpRequest) -> bool:
        return True


@dataclass(frozen=True)
class CityRole(Rule):
    """A member of the URL's city holding one of ``roles``. Non-members get the city's 404."""

    roles: tuple[Role, ...]

    @property
    def description(self) -> str:  # type: ignore[override]
        return "city members with role " + ", ".join(r.value for r in self.roles)

    def allows(self, request: HttpRequest) -> bool:
        city = getattr(request, "city", None)
        if city is None:
            raise RuntimeError("CityRole rule on a view outside /c/<city_slug>/")
        user = request.user
        if not user.is_member_of(city):
            raise Http404("No such city.")
        return user.role in self.roles


@dataclass(frozen=True)
class AnyOf(Rule):
    """Allowed when any of ``rules`` allows; the city's 404 only when every rule answers it."""

    rules: tuple[Rule, ...]

    @property
    def description(self) -> str:  # type: ignore[override]
        return " or ".join(rule.description for rule in self.rules)

    def allows(self, request: HttpRequest) -> bool:
        not_found = 0
        for rule in self.rules:
            try:
                if rule.allows(request):
                    return True
            except Http404:
                not_found += 1
        if not_found == len(self.rules):
            raise Http404("No such city.")
        return False


PUBLIC = _Public()
SIGNED_IN = _SignedIn()
ADMIN_SITE = _AdminSite()
CITY_STAFF = CityRole(tuple(Role.city_roles()))


def city_roles(*roles: Role) -> CityRole:
    return CityRole(tuple(roles))


def access(rule: Rule) -> Callable:
    """Declare the access rule of a function view or a view class."""

    def decorate(view):
        view.access_rule = rule
        return view

    return decorate


def rule_of(view_func) -> Rule | None:
    for holder in (view_func, getattr(view_func, "view_class", None), getattr(view_func, "cls", None)):
        rule = getattr(holder, "access_rule", None)
        if rule is not None:
            return rule
    return None


def is_api_view(view_func) -> bool:
    return getattr(view_func, "cls", None) is not None


class AccessRuleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and "admin" in match.namespaces:
            return None
        rule = rule_of(view_func)
        if rule is None:
            return refused(request, "This page has no access rule, so it is refused by default.")
        if is_api_view(view_func):
            return None  # enforced by DeclaredAccessRule once DRF has authenticated the caller
        if rule.needs_login() and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not rule.allows(request):
            return refused(request, None)
        return None


def refused(request: HttpRequest, message: str | None):
    """The styled 403 page (JSON for API callers)."""
    from portal.errors import forbidden

    return forbidden(request, message=message)


class DeclaredAccessRule(BasePermission):
    """DRF side of the same rules: anonymous callers get 401/403, non-members of a city 404."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        rule = getattr(view, "access_rule", None)
        if rule is None:
            return False
        if rule.needs_login() and not request.user.is_authenticated:
            return False
        return rule.allows(request)
