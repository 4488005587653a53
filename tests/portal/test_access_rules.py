"""Deny by default: every view in the URLconf declares an access rule, and one without is refused."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from portal.access import AccessRuleMiddleware, rule_of


def walk(resolver, prefix="", namespaces=()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(
                entry,
                prefix + str(entry.pattern),
                namespaces + ((entry.namespace,) if entry.namespace else ()),
            )
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback, namespaces


def test_every_view_declares_an_access_rule():
    missing = [
        route
        for route, callback, namespaces in walk(get_resolver())
        if "admin" not in namespaces and rule_of(callback) is None
    ]
    assert missing == [], f"views without an access rule: {missing}"


def test_the_walk_reaches_the_city_pages():
    routes = [route for route, _, _ in walk(get_resolver())]
    assert "c/<slug:city_slug>/audit/" in routes
    assert "healthz" in routes


def test_a_view_without_a_rule_is_refused(rf):
    def bare_view(request):  # no @access
        raise AssertionError("must not run")

    request = rf.get("/whatever")
    request.resolver_match = None
    middleware = AccessRuleMiddleware(lambda r: None)
    response = middleware.process_view(request, bare_view, (), {})
    assert response.status_code == 403


@pytest.mark.django_db
def test_admin_requires_staff(client, officer_a):
    client.force_login(officer_a)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
