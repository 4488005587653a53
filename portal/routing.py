"""Every WebSocket route of the installation, gathered from the apps."""

from django.urls import path

from cameras.consumers import HitsConsumer
from sharing.consumers import PartnerAlertsConsumer

websocket_urlpatterns = [
    path("ws/c/<slug:city_slug>/hits/", HitsConsumer.as_asgi()),
    path("ws/partner/alerts/", PartnerAlertsConsumer.as_asgi()),
]
