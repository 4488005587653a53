"""The cache (Redis) unreachable: changes still commit and the public page is still served (issue 11).

Every save of what the public page shows drops the city's cached report; with Redis down that drop
failed and turned a search or a hit into a 500 (found by ``bench/load.py --restart-redis-at``).
The cache here points at a port where nothing listens; the machine's shared Redis is not touched.
"""

from __future__ import annotations

import pytest

from cameras.models import Camera
from cameras.services import camera_create
from portal.roles import Role
from portal.tenancy import city_scope
from tests.conftest import free_port
from tests.factories import city_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_unreachable(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }


def test_a_change_commits_and_the_public_page_is_built_without_the_cache(
    client, city_a, cache_unreachable
) -> None:
    from django.core.cache import cache
    from redis.exceptions import RedisError

    with pytest.raises(RedisError):  # the cache really is down
        cache.get("anything")
    clerk = city_user(city_a, Role.CLERK)
    camera, _key = camera_create(
        city=city_a, by=clerk, name="Main & 1st", latitude="47.3", longitude="-122.2"
    )
    with city_scope(city_a):
        assert Camera.objects.filter(pk=camera.pk).exists()
    response = client.get(f"/p/{city_a.slug}/")
    assert response.status_code == 200
