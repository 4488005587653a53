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
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from rest_framework.permissions import BasePermission

from audits.refusals import refusal_record
from audits.services import refusals_watched
from portal.models import User
from portal.roles import Role

if TYPE_CHECKING:  # rest_framework.views reads the DRF settings, which name this module
    from rest_framework.request import Request
    from rest_framework.views import APIView

# The rules recorded when an access rule refuses (see ``audits.refusals``).
RULE_NOT_SIGNED_IN = "access.not_signed_in"
RULE_ROLE = "access.role_not_permitted"
RULE_NOT_MEMBER = "tenancy.not_member"
RULE_NO_ACCESS_RULE = "access.no_rule"
# The rule of a 4xx answer that nothing recorded on its way out (a view's own 404 for another
# city's object, a form's 400, Django's 405): recorded by ``AccessRuleMiddleware``.
RULES_BY_STATUS = {
    400: "input.invalid",
    401: RULE_NOT_SIGNED_IN,
    403: "access.forbidden",
    404: "object.not_found",
    405: "request.method_not_allowed",
    409: "state.conflict",
    413: "input.too_large",
    415: "input.unsupported_media_type",
    429: "request.throttled",
}
RULE_OTHER_REFUSAL = "request.refused"
# The methods an HTML view answers (the API's views declare their own, DRF answers the rest).
HTML_METHODS = frozenset({"GET", "HEAD", "POST"})


class Refused(Http404):
    """An access rule's refusal answered as the city's 404, with the rule that refused it."""

    def __init__(
        self, rule: str = RULE_NOT_MEMBER, *, target_type: str = "", target_id: str = "", message: str = ""
    ):
        super().__init__("No such city.")
        self.rule = rule or RULE_NOT_MEMBER
        self.target_type = target_type
        self.target_id = target_id
        self.message = message


def record_refusal(request: HttpRequest, *, rule: str, status: int, refusal: Refused | None = None) -> None:
    """Record the refusal of ``request`` in the audit log of the city of its URL (if any)."""
    extra = {"message": refusal.message} if refusal is not None and refusal.message else None
    refusal_record(
        city=getattr(request, "city", None),
        rule=rule,
        via="api" if request.path.startswith("/api/") else "web",
        status=status,
        request=request,
        target_type=refusal.target_type if refusal is not None else "",
        target_id=refusal.target_id if refusal is not None else "",
        extra=extra,
    )


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
        if not isinstance(user, User) or not user.is_member_of(city):
            raise Refused(RULE_NOT_MEMBER)
        return user.role in self.roles


@dataclass(frozen=True)
class AnyOf(Rule):
    """Allowed when any of ``rules`` allows; the city's 404 only when every rule answers it."""

    rules: tuple[Rule, ...]

    @property
    def description(self) -> str:  # type: ignore[override]
        return " or ".join(rule.description for rule in self.rules)

    def allows(self, request: HttpRequest) -> bool:
        refusals: list[Http404] = []
        for rule in self.rules:
            try:
                if rule.allows(request):
                    return True
            except Http404 as refusal:
                refusals.append(refusal)
        if len(refusals) == len(self.rules):
            # The most specific refusal (a rule of its own, such as a cut-off agency) is the one kept.
            specific = [r for r in refusals if getattr(r, "rule", RULE_NOT_MEMBER) != RULE_NOT_MEMBER]
            raise (specific or refusals)[-1]
        return False


PUBLIC = _Public()
SIGNED_IN = _SignedIn()
ADMIN_SITE = _AdminSite()
CITY_STAFF = CityRole(tuple(Role.city_roles()))


def city_roles(*roles: Role) -> CityRole:
    return CityRole(tuple(roles))


_View = TypeVar("_View", bound=Callable[..., Any])


def access(rule: Rule) -> Callable[[_View], _View]:
    """Declare the access rule of a function view or a view class."""

    def decorate(view: _View) -> _View:
        view.access_rule = rule  # type: ignore[attr-defined]  # a function or class given an attribute
        return view

    return decorate


def rule_of(view_func: Callable[..., Any]) -> Rule | None:
    for holder in (view_func, getattr(view_func, "view_class", None), getattr(view_func, "cls", None)):
        rule = getattr(holder, "access_rule", None)
        if isinstance(rule, Rule):
            return rule
    return None


def is_api_view(view_func: Callable[..., Any]) -> bool:
    return getattr(view_func, "cls", None) is not None


class AccessRuleMiddleware:
    """Enforces the access rules of HTML views, and records every refusal that nothing else did.

    Every 4xx answer under a city's URL is a refusal, whichever layer gave it (a rule, a view's
    ``get_<thing>`` 404, a form's 400, Django's 405 or CSRF check, DRF): the ones that recorded
    themselves are left alone, the rest get one entry with the rule of their status.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with refusals_watched() as recorded:
            response = self.get_response(request)
        status = response.status_code
        if 400 <= status < 500 and not recorded:
            record_refusal(request, rule=RULES_BY_STATUS.get(status, RULE_OTHER_REFUSAL), status=status)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        if match is not None and "admin" in match.namespaces:
            return None
        rule = rule_of(view_func)
        if rule is None:
            record_refusal(request, rule=RULE_NO_ACCESS_RULE, status=403)
            return refused(request, "This page has no access rule, so it is refused by default.")
        if is_api_view(view_func):
            return None  # enforced by DeclaredAccessRule once DRF has authenticated the caller
        if request.method not in HTML_METHODS:
            # An HTML page is read with GET and changed with a form's POST; a DELETE, PUT, PATCH,
            # TRACE or OPTIONS was answered as a GET (a 200, unrecorded). ``__call__`` records it.
            return HttpResponseNotAllowed(sorted(HTML_METHODS))
        if rule.needs_login() and not request.user.is_authenticated:
            record_refusal(request, rule=RULE_NOT_SIGNED_IN, status=302)
            return redirect_to_login(request.get_full_path())
        try:
            allowed = rule.allows(request)
        except Http404 as refusal:
            record_refusal(
                request,
                rule=getattr(refusal, "rule", RULE_NOT_MEMBER),
                status=404,
                refusal=_as_refused(refusal),
            )
            raise
        if not allowed:
            record_refusal(request, rule=RULE_ROLE, status=403)
            return refused(request, None)
        return None


def refused(request: HttpRequest, message: str | None) -> HttpResponse:
    """The styled 403 page (JSON for API callers)."""
    from portal.errors import forbidden

    return forbidden(request, message=message)


class DeclaredAccessRule(BasePermission):
    """DRF side of the same rules: anonymous callers get 401/403, non-members of a city 404."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        record = not getattr(view, "records_its_refusals", False)
        rule = getattr(view, "access_rule", None)
        if not isinstance(rule, Rule):
            if record:
                record_refusal(request, rule=RULE_NO_ACCESS_RULE, status=403)
            return False
        if rule.needs_login() and not request.user.is_authenticated:
            if record:
                record_refusal(request, rule=RULE_NOT_SIGNED_IN, status=401)
            return False
        try:
            allowed = rule.allows(request)
        except Http404 as refusal:
            if record:
                record_refusal(
                    request,
                    rule=getattr(refusal, "rule", RULE_NOT_MEMBER),
                    status=404,
                    refusal=_as_refused(refusal),
                )
            raise
        if not allowed and record:
            record_refusal(request, rule=RULE_ROLE, status=403)
        return allowed


def _as_refused(refusal: Http404) -> Refused | None:
    return refusal if isinstance(refusal, Refused) else None
