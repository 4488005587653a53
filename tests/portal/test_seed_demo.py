import pytest
from django.core.management import call_command

from audits.services import audit_verify_all
from cameras.models import Camera
from portal.management.commands.seed_demo import DEMO_PASSWORD
from portal.models import Agency, City, User
from portal.tenancy import city_scope

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_two_cities_every_role_and_partners_and_is_repeatable(client, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(City.objects.values_list("slug", flat=True)) == ["auburn", "mukilteo"]
    auburn = City.objects.get(slug="auburn")
    assert sorted(User.objects.filter(city=auburn).values_list("role", flat=True)) == sorted(
        ["chief", "clerk", "dispatcher", "officer", "auditor"]
    )
    with city_scope(auburn):
        assert Camera.objects.count() == 4
    patrol = Agency.objects.get(name="U.S. Border Patrol")
    assert patrol.immigration_enforcement and patrol.kind == "federal"
    assert [a.name for a in patrol.parent_chain()][-1] == "U.S. Department of Homeland Security"
    assert "auburn-chief" in capsys.readouterr().out
    assert (
        client.post(
            "/accounts/login/", {"username": "auburn-dispatcher", "password": DEMO_PASSWORD}
        ).status_code
        == 302
    )
    assert client.get("/c/auburn/").status_code == 200
    assert client.get("/c/mukilteo/").status_code == 404
    assert all(result.ok for result in audit_verify_all())
