"""Shared DRF pieces."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from portal.access import PUBLIC


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError as a 400 (never a 500)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return drf_exception_handler(exc, context)


class ApiSchemaView(SpectacularAPIView):
    """The OpenAPI schema of the whole API, public so that partners can build clients."""

    access_rule = PUBLIC
