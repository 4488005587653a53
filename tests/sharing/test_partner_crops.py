"""A plate crop is reached only through the search that returned it: no plate without a purpose."""

import pytest
from django.core.files.base import ContentFile

from audits.models import AuditEvent
from cameras.models import Read, private_storage
from portal.roles import Role
from sharing.grants import grant_for
from sharing.models import Search
from sharing.selectors import ReadQuery
from sharing.services import search_run
from tests.factories import city_user
from tests.sharing.conftest import PURPOSE, make_agreement, make_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def crops(city_a, camera_1, camera_2, private_storage_dir):
    reads = {}
    for camera in (camera_1, camera_2):
        read = make_read(camera, "ABC1234")
        name = private_storage().save(f"crops/{read.public_id.hex}.jpg", ContentFile(b"\xff\xd8\xffcrop"))
        Read.all_cities.filter(pk=read.pk).update(crop=name)
        reads[camera.pk] = Read.all_cities.get(pk=read.pk)
    return reads


def search_by(user, city, plate="ABC1234", **purpose):
    return search_run(grant=grant_for(user, city), query=ReadQuery(plate=plate), **{**PURPOSE, **purpose})


def crop_url(city, search, read):
    return f"/c/{city.slug}/searches/{search.public_id}/reads/{read.public_id}/crop.jpg"


def crop_views(city):
    return AuditEvent.objects.filter(city=city, event_type="read.crop_viewed")


def test_partner_sees_crops_of_its_own_search_on_its_cameras_only_and_each_view_is_audited(
    client, city_a, kent, kent_detective, camera_1, camera_2, crops
):
    make_agreement(city_a, kent, cameras=[camera_1])
    result = search_by(kent_detective, city_a)
    assert result.allowed and [read.pk for read in result.reads] == [crops[camera_1.pk].pk]
    client.force_login(kent_detective)
    shown = client.get(crop_url(city_a, result.search, crops[camera_1.pk]))
    assert shown.status_code == 200 and b"".join(shown.streaming_content) == b"\xff\xd8\xffcrop"
    assert shown["Cache-Control"] == "private, no-store"
    # The other camera is outside the agreement, even for a read that matches the plate.
    assert client.get(crop_url(city_a, result.search, crops[camera_2.pk])).status_code == 404
    (viewed,) = crop_views(city_a)
    assert viewed.actor == kent_detective and viewed.agency == kent
    assert viewed.target_id == str(crops[camera_1.pk].public_id)
    assert viewed.details["search"] == str(result.search.public_id)


def test_the_old_crop_address_gives_searchers_nothing(
    client, city_a, kent, kent_detective, officer_a, camera_1, crops
):
    make_agreement(city_a, kent)
    for user in (kent_detective, officer_a):
        client.force_login(user)
        assert client.get(f"/c/{city_a.slug}/reads/{crops[camera_1.pk].public_id}/crop.jpg").status_code in (
            403,
            404,
        )
    assert not crop_views(city_a).exists()


def test_a_crop_needs_a_search_of_that_plate_by_the_same_user(
    client, city_a, kent, kent_detective, officer_a, camera_1, crops
):
    make_agreement(city_a, kent)
    other_plate = make_read(camera_1, "XYZ9876")
    Read.all_cities.filter(pk=other_plate.pk).update(crop=crops[camera_1.pk].crop.name)
    officers_search = search_by(officer_a, city_a)
    partners_search = search_by(kent_detective, city_a)
    client.force_login(kent_detective)
    # Another user's search is no purpose of Kent's.
    assert client.get(crop_url(city_a, officers_search.search, crops[camera_1.pk])).status_code == 404
    # A read the search could not have returned (another plate) is not reachable through it.
    assert client.get(crop_url(city_a, partners_search.search, other_plate)).status_code == 404
    assert not crop_views(city_a).exists()


def test_a_denied_search_opens_no_crop(client, city_a, kent, kent_detective, camera_1, crops):
    make_agreement(city_a, kent)
    denied = search_by(kent_detective, city_a, reason="investigation")
    assert not denied.allowed
    client.force_login(kent_detective)
    assert client.get(crop_url(city_a, denied.search, crops[camera_1.pk])).status_code == 404


def test_after_revocation_the_search_no_longer_opens_crops(
    client, city_a, kent, kent_detective, camera_1, crops
):
    agreement = make_agreement(city_a, kent)
    result = search_by(kent_detective, city_a)
    assert result.allowed
    type(agreement).all_cities.filter(pk=agreement.pk).update(state="revoked")
    client.force_login(kent_detective)
    assert client.get(crop_url(city_a, result.search, crops[camera_1.pk])).status_code == 404


def test_partner_without_agreement_gets_404(client, city_a, kent_detective, camera_1, crops, officer_a):
    result = search_by(officer_a, city_a)
    client.force_login(kent_detective)
    assert client.get(crop_url(city_a, result.search, crops[camera_1.pk])).status_code == 404


def test_officers_see_the_crops_of_their_own_search(client, city_a, officer_a, camera_1, crops):
    result = search_by(officer_a, city_a)
    assert Search.all_cities.filter(pk=result.search.pk, user=officer_a).exists()
    client.force_login(officer_a)
    assert client.get(crop_url(city_a, result.search, crops[camera_1.pk])).status_code == 200
    assert crop_views(city_a).get().actor == officer_a


def test_dispatchers_see_a_crop_only_behind_a_hit(client, city_a, camera_1, crops):
    dispatcher = city_user(city_a, Role.DISPATCHER)
    client.force_login(dispatcher)
    assert client.get(f"/c/{city_a.slug}/reads/{crops[camera_1.pk].public_id}/crop.jpg").status_code == 404


def test_partner_home_lists_the_cities_that_share(client, city_a, city_b, kent, kent_detective):
    make_agreement(city_a, kent)
    make_agreement(city_b, kent, state="suspended")
    client.force_login(kent_detective)
    page = client.get("/home/").content.decode()
    assert f"Search {city_a.name}" in page and f"Search {city_b.name}" not in page
