"""The menu a signed-in person sees: only pages whose access rule lets them in.

Each entry names a URL; whether it is shown is decided by the same access rule the view enforces
(``portal.access``), so the menu never links to a page that would refuse the person.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from portal.access import rule_of

# (label, URL name). Other parts of the project add theirs with ``register_city_link``.
CITY_LINKS: list[tuple[str, str]] = [
    ("Dashboard", "city_home"),
    ("Cameras", "camera_list"),
    ("Live hits", "hit_board"),
    ("Hit history", "hit_history"),
    ("Hotlists", "hotlist_list"),
    ("Search", "sharing:search"),
    ("Lookup", "sharing:lookup"),
    ("Held searches", "sharing:hold_list"),
    ("Agreements", "sharing:agreement_list"),
    ("Policy", "sharing:policy"),
    ("Revocations", "sharing:revocation_list"),
    ("Reviews", "review_list"),
    ("Staff", "staff_list"),
    ("Audit log", "audit_log"),
    ("Public page", "city_public"),
]


def register_city_link(label: str, url_name: str, *, before: str | None = "Audit log") -> None:
    if any(name == url_name for _, name in CITY_LINKS):
        return
    names = [label for label, _ in CITY_LINKS]
    index = names.index(before) if before in names else len(CITY_LINKS)
    CITY_LINKS.insert(index, (label, url_name))


def may_open(request: HttpRequest, path: str) -> bool:
    """Whether ``path`` (a page of the request's own city) lets ``request.user`` in."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    rule = rule_of(match.func)
    if rule is None:
        return False
    if rule.needs_login() and not request.user.is_authenticated:
        return False
    try:
        return bool(rule.allows(request))
    except Http404:
        return False


def city_menu(request: HttpRequest) -> list[dict[str, Any]]:
    city = getattr(request, "city", None)
    user = getattr(request, "user", None)
    if city is None or user is None or not user.is_authenticated or user.city_id != city.id:
        return []
    items: list[dict[str, Any]] = []
    for label, name in CITY_LINKS:
        try:
            url = reverse(name, args=[city.slug])
        except NoReverseMatch:
            continue
        if may_open(request, url):
            items.append({"label": label, "url": url, "current": request.path == url})
    return items


def menu(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``city_menu`` for members of the page's city."""
    return {"city_menu": city_menu(request)}
