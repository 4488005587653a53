"""Every WebSocket route of the installation, gathered from the apps."""

from django.urls import path

from cameras.consumers import HitsConsumer
from portal.consumers import CityEventsConsumer

websocket_urlpatterns = [
    path("ws/c/<slug:city_slug>/events/", CityEventsConsumer.as_asgi()),
    path("ws/c/<slug:city_slug>/hits/", HitsConsumer.as_asgi()),
]
