"""Every WebSocket route of the installation, gathered from the apps."""

from typing import Any

from django.urls import path

from cameras.consumers import HitsConsumer
from sharing.consumers import PartnerAlertsConsumer

# Channels routes ASGI applications with Django's path(), whose stubs expect a view returning an
# HttpResponse: the two ignores below are that mismatch, nothing else.
websocket_urlpatterns: list[Any] = [
    path("ws/c/<slug:city_slug>/hits/", HitsConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/partner/alerts/", PartnerAlertsConsumer.as_asgi()),  # type: ignore[arg-type]
]
