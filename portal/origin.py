"""The WebSocket origin check: scheme, host and port, not the host alone.

Channels' ``AllowedHostsOriginValidator`` compares only the origin's host name with
``ALLOWED_HOSTS``, so ``http://portal:8443`` or a plain-``http`` page on the same host would pass for a
``wss://portal`` socket. Here the origin must be exactly the socket's own origin (``wss`` pairs with
``https``, ``ws`` with ``http``, the ``Host`` header's port included) on an allowed host, or be one of
``CSRF_TRUSTED_ORIGINS`` (a proxy in front that rewrites the host).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from asgiref.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normalise(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


def origin_allowed(*, origin: str, socket_scheme: str, host_header: str) -> bool:
    wanted = _normalise(origin)
    if wanted is None:
        return False
    for trusted in getattr(settings, "CSRF_TRUSTED_ORIGINS", []):
        if "*" not in trusted and _normalise(trusted) == wanted:
            return True
    page_scheme = "https" if socket_scheme == "wss" else "http"
    own = _normalise(f"{page_scheme}://{host_header}")
    if own is None or own != wanted:
        return False
    domain, _port = split_domain_port(host_header)
    allowed = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return bool(domain) and validate_host(domain, allowed)


class StrictOriginValidator:
    """ASGI middleware refusing a WebSocket whose ``Origin`` is not the socket's own origin."""

    def __init__(
        self, application: Callable[..., Any]
    ) -> None:  # any ASGI application (Channels' are loosely typed)
        self.application = application

    async def __call__(self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        if scope["type"] == "websocket":
            headers = dict(scope.get("headers") or [])
            origin = headers.get(b"origin", b"").decode("latin1")
            host = headers.get(b"host", b"").decode("latin1")
            if not origin_allowed(origin=origin, socket_scheme=scope.get("scheme", "ws"), host_header=host):
                denier = WebsocketDenier()
                # channels-stubs types a consumer's scope as its own WebSocketScope subtype
                await denier(scope, receive, send)  # type: ignore[arg-type]
                return
        await self.application(scope, receive, send)
