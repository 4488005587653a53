"""Shared DRF pieces."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audits.refusals import refusal_record
from portal.access import PUBLIC

# Rules of refusals of an API call's input or credentials (its permission refusals are recorded by
# ``portal.access.DeclaredAccessRule``).
RULE_INVALID_INPUT = "input.invalid"
RULE_UNPARSABLE_INPUT = "input.unparsable"
RULE_UNSUPPORTED_MEDIA_TYPE = "input.unsupported_media_type"
RULE_BAD_CREDENTIALS = "access.bad_credentials"
_RULES = (
    (exceptions.ValidationError, RULE_INVALID_INPUT),
    (exceptions.ParseError, RULE_UNPARSABLE_INPUT),
    (exceptions.UnsupportedMediaType, RULE_UNSUPPORTED_MEDIA_TYPE),
    (exceptions.AuthenticationFailed, RULE_BAD_CREDENTIALS),
)


def _record_refusal(exc: Exception, context: dict[str, Any], status: int) -> None:
    view, request = context.get("view"), context.get("request")
    if request is None or getattr(view, "records_its_refusals", False):
        return
    for kind, rule in _RULES:
        if isinstance(exc, kind):
            extra: dict[str, Any] = {}
            if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
                extra["fields"] = sorted(str(name) for name in exc.detail)[:20]
            refusal_record(
                city=getattr(request, "city", None),
                rule=rule,
                via="api",
                status=status,
                request=request,
                extra=extra,
            )
            return


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django's ValidationError as a 400 (never a 500); input and credential
    refusals of a city's API are recorded in its audit log."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is not None:
        _record_refusal(exc, context, response.status_code)
    return response


class ApiSchemaView(SpectacularAPIView):
    """The OpenAPI schema of the whole API, public so that partners can build clients."""

    access_rule = PUBLIC
