"""A partner sees a plate crop only from cameras its agreement reaches."""

import pytest
from django.core.files.base import ContentFile

from cameras.models import Read, private_storage
from tests.sharing.conftest import make_agreement, make_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def crops(city_a, camera_1, camera_2, private_storage_dir):
    reads = {}
    for camera in (camera_1, camera_2):
        read = make_read(camera, "ABC1234")
        name = private_storage().save(f"crops/{read.public_id.hex}.jpg", ContentFile(b"\xff\xd8\xffcrop"))
        Read.all_cities.filter(pk=read.pk).update(crop=name)
        reads[camera.pk] = read
    return reads


def crop_url(city, read):
    return f"/c/{city.slug}/reads/{read.public_id}/crop.jpg"


def test_partner_under_agreement_sees_crops_of_its_cameras_only(
    client, city_a, kent, kent_detective, camera_1, camera_2, crops
):
    make_agreement(city_a, kent, cameras=[camera_1])
    client.force_login(kent_detective)
    assert client.get(crop_url(city_a, crops[camera_1.pk])).status_code == 200
    assert client.get(crop_url(city_a, crops[camera_2.pk])).status_code == 404


def test_partner_without_agreement_gets_404(client, city_a, kent_detective, camera_1, crops):
    client.force_login(kent_detective)
    assert client.get(crop_url(city_a, crops[camera_1.pk])).status_code == 404


def test_partner_after_revocation_gets_404(client, city_a, kent, kent_detective, camera_1, crops):
    make_agreement(city_a, kent, state="revoked")
    client.force_login(kent_detective)
    assert client.get(crop_url(city_a, crops[camera_1.pk])).status_code == 404


def test_partner_home_lists_the_cities_that_share(client, city_a, city_b, kent, kent_detective):
    make_agreement(city_a, kent)
    make_agreement(city_b, kent, state="suspended")
    client.force_login(kent_detective)
    page = client.get("/home/").content.decode()
    assert f"Search {city_a.name}" in page and f"Search {city_b.name}" not in page
