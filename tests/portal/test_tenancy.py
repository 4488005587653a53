"""City scoping fails closed, and nothing of one city is visible or changeable from another."""

import re
import uuid

import pytest

from cameras.models import Camera
from portal.roles import Role
from portal.tenancy import CityScopeError, city_scope
from tests.factories import CameraFactory, city_user

pytestmark = pytest.mark.django_db


def test_city_owned_manager_raises_without_a_scope(city_a):
    CameraFactory(city=city_a)
    with pytest.raises(CityScopeError):
        list(Camera.objects.all())


def test_city_owned_manager_sees_only_its_city(city_a, city_b):
    mine = CameraFactory(city=city_a, name="mine")
    CameraFactory(city=city_b, name="theirs")
    with city_scope(city_a):
        assert list(Camera.objects.all()) == [mine]
    with city_scope(city_b):
        assert not Camera.objects.filter(pk=mine.pk).exists()


def test_saving_a_row_into_another_citys_scope_is_refused(city_a, city_b):
    camera = CameraFactory(city=city_a)
    with city_scope(city_b), pytest.raises(CityScopeError):
        camera.save()


def test_rows_created_in_a_scope_belong_to_that_city(city_a):
    with city_scope(city_a):
        camera = Camera.objects.create(name="new", latitude=1, longitude=2)
    assert camera.city_id == city_a.pk


def test_scope_is_reset_after_each_request(client, officer_a, city_a):
    client.force_login(officer_a)
    assert client.get(f"/c/{city_a.slug}/").status_code == 200
    with pytest.raises(CityScopeError):
        list(Camera.objects.all())


# --- personas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/c/{slug}/", "/c/{slug}/audit/"])
def test_other_citys_pages_answer_the_same_404_as_a_missing_city(client, city_a, officer_b, path):
    city_user(city_a, Role.AUDITOR)
    client.force_login(officer_b)
    theirs = client.get(path.format(slug=city_a.slug))
    missing = client.get(path.format(slug="no-such-city"))
    assert theirs.status_code == missing.status_code == 404

    def without_csrf_token(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert without_csrf_token(theirs) == without_csrf_token(missing)


def test_partner_user_cannot_see_a_city_home(client, city_a, outsider):
    client.force_login(outsider)
    assert client.get(f"/c/{city_a.slug}/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, city_a):
    response = client.get(f"/c/{city_a.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_member_sees_their_city_and_only_its_cameras(client, city_a, city_b, officer_a):
    CameraFactory(city=city_a, name="Main St & 1st")
    CameraFactory(city=city_b, name="Secret Bravo camera")
    client.force_login(officer_a)
    page = client.get(f"/c/{city_a.slug}/").content.decode()
    assert "Main St &amp; 1st" in page
    assert "Secret Bravo camera" not in page


def test_a_user_of_another_city_cannot_browse_its_audit_log(client, city_a, city_b):
    auditor_b = city_user(city_b, Role.AUDITOR)
    client.force_login(auditor_b)
    assert client.get(f"/c/{city_a.slug}/audit/").status_code == 404
    assert client.get(f"/c/{city_b.slug}/audit/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/c/Not A Slug/",
        "/c/%00/",
        "/c/alpha/audit/?since=not-a-date",
        "/c/alpha/audit/?since=2026-02-30",
        "/c/alpha/nothing-here/",
        f"/c/alpha/audit/{uuid.uuid4()}/",
        "/p/zzz/",
    ],
)
def test_bad_requests_get_a_4xx_never_a_500(client, auditor_a, path):
    client.force_login(auditor_a)
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)


def test_an_empty_queryset_needs_no_scope(db):
    assert list(Camera.objects.none()) == []
