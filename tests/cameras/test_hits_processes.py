"""More than one Daphne process: a hit reaches dispatchers connected to each, over a sharded layer.

Two real Daphne processes against the test database; the channel layer is sharded over two Redis
servers (the test's own and a second one started here): channels-redis places each channel and
group on one of them by hash. The hit commits in a third process (this one).
"""

from __future__ import annotations

import json
import sys
import urllib.request

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cameras.models import HotlistSource, Read
from cameras.services import hotlist_create, hotlist_entry_add, reads_match
from portal.roles import Role
from tests.conftest import _needs_real_services, background_process, free_port, subprocess_env
from tests.factories import CameraFactory, city_user


@pytest.fixture
def second_redis():
    """A second Redis server of its own (a free port, nothing saved), stopped after the test."""
    import shutil

    import redis

    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server to start a second Redis host")
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]

    def answering() -> bool:
        try:
            return redis.Redis(port=port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    with background_process("redis-second", command, ready=answering):
        yield f"redis://127.0.0.1:{port}/0"


LAYER_BACKENDS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


@pytest.fixture(params=sorted(LAYER_BACKENDS))
def sharded_layer(request, settings, second_redis):
    """Both layers settings can choose (``CHANNEL_LAYER``), this process and the Daphnes on the same."""
    _needs_real_services()
    hosts = [settings.REDIS_URL, second_redis]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": LAYER_BACKENDS[request.param],
            "CONFIG": {"hosts": [{"address": host, "socket_timeout": 30} for host in hosts]},
        }
    }
    return request.param, hosts


@pytest.fixture
def two_daphnes(transactional_db, sharded_layer):
    from contextlib import ExitStack

    layer, hosts = sharded_layer
    env = subprocess_env() | {
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHANNEL_REDIS_URLS": ",".join(hosts),
        "CHANNEL_LAYER": layer,
    }
    urls = []
    with ExitStack() as stack:
        for index in range(2):
            port = free_port()
            url = f"http://127.0.0.1:{port}"

            def answering(url=url) -> bool:
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=2)
                    return True
                except OSError:
                    return False

            command = [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "portal.asgi:application",
            ]
            stack.enter_context(background_process(f"daphne-{index}", command, ready=answering, env=env))
            urls.append(url)
        yield urls


def test_a_hit_reaches_dispatchers_on_each_daphne_process(two_daphnes, city_a):
    import websocket

    clerk = city_user(city_a, Role.CLERK)
    hotlist = hotlist_create(city=city_a, by=clerk, name="AMBER", source=HotlistSource.AMBER, priority=4)
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="AMBER alert 26-7")
    sockets = []
    for index, url in enumerate(two_daphnes * 2):  # two dispatchers on each process
        client = Client()
        client.force_login(city_user(city_a, Role.DISPATCHER, username=f"dispatcher-{index}"))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        socket = websocket.create_connection(
            f"ws://{url.removeprefix('http://')}/ws/c/{city_a.slug}/hits/",
            cookie=f"{settings.SESSION_COOKIE_NAME}={cookie}",
            origin=url,
            timeout=10,
        )
        assert json.loads(socket.recv())["type"] == "hello"
        sockets.append(socket)
    try:
        camera = CameraFactory(city=city_a)
        read = Read.all_cities.create(
            city=city_a,
            camera=camera,
            source="device",
            plate="ABC1234",
            confidence=0.9,
            captured_at=timezone.now(),
        )
        [hit] = reads_match(city=city_a, read_ids=[read.pk])  # pushed on commit, from this third process
        for socket in sockets:
            message = json.loads(socket.recv())
            assert message["type"] == "hit" and message["hit"]["id"] == str(hit.public_id)
            assert message["hit"]["plate"] == "ABC1234"
    finally:
        for socket in sockets:
            socket.close()
