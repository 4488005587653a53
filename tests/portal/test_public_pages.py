import pytest

from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def test_public_index_lists_cities_without_signing_in(client, city_a, city_b):
    page = client.get("/").content.decode()
    assert city_a.name in page and city_b.name in page


def test_public_city_page_counts_cameras_and_names_no_plate(client, city_a, city_b):
    CameraFactory(city=city_a)
    CameraFactory(city=city_a, status="retired")
    CameraFactory(city=city_b)
    response = client.get(f"/p/{city_a.slug}/")
    assert response.status_code == 200
    assert "1 of 2" in response.content.decode()


def test_static_files_are_served_locally(client):
    response = client.get("/static/css/steward.css")
    assert response.status_code == 200
