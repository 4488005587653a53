"""Every WebSocket route of the installation, gathered from the apps."""

from django.urls import path

from portal.consumers import CityEventsConsumer

websocket_urlpatterns = [
    path("ws/c/<slug:city_slug>/events/", CityEventsConsumer.as_asgi()),
]
