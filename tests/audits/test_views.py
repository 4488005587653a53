import pytest

from audits.models import AuditEvent
from audits.services import audit_record
from portal.roles import Role
from tests.factories import city_user

pytestmark = pytest.mark.django_db


def test_auditor_browses_the_log_and_the_browsing_is_logged(client, city_a, auditor_a):
    audit_record(event_type="search.performed", city=city_a, details={"reason": "stolen car"})
    client.force_login(auditor_a)
    response = client.get(f"/c/{city_a.slug}/audit/", {"event_type": "search"})
    assert response.status_code == 200
    assert "search.performed" in response.content.decode()
    viewed = AuditEvent.objects.get(event_type="audit.viewed")
    assert viewed.actor == auditor_a and viewed.city == city_a
    assert viewed.details == {"filters": {"event_type": "search"}, "page": 1}


def test_the_log_shows_only_its_own_city(client, city_a, city_b, auditor_a):
    audit_record(event_type="secret.bravo", city=city_b)
    client.force_login(auditor_a)
    assert "secret.bravo" not in client.get(f"/c/{city_a.slug}/audit/").content.decode()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.DISPATCHER, Role.CLERK])
def test_other_roles_are_refused_and_nothing_is_logged(client, city_a, role):
    client.force_login(city_user(city_a, role))
    assert client.get(f"/c/{city_a.slug}/audit/").status_code == 403
    assert not AuditEvent.objects.filter(event_type="audit.viewed").exists()


def test_a_bad_filter_is_a_400_with_the_error_shown(client, city_a, auditor_a):
    client.force_login(auditor_a)
    response = client.get(f"/c/{city_a.slug}/audit/", {"since": "2026-05-01", "until": "2026-04-01"})
    assert response.status_code == 400
    assert "on or before" in response.content.decode()
