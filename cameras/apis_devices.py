"""Edge device endpoints: one per format, under the camera's URL.

``POST /api/v1/c/<city>/cameras/<camera>/devices/<format>/`` with the camera's key in a header
(``Authorization: Camera <key>`` or ``X-Camera-Key: <key>``), or
``POST .../devices/<format>/<token>/``, the camera's secret webhook URL, for devices that cannot
set a header. Formats: ``openalpr`` (OpenALPR / Rekor Scout agent), ``platerecognizer-stream``,
``platerecognizer-snapshot`` (JSON, or multipart with ``json`` and ``upload``) and ``axis-lpv``
(JSON, or multipart with the event's JSON and the image).

A payload that is not its format is answered 4xx with the field at fault, recorded in the city's
audit log, and leaves nothing behind.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response

from cameras.adapters import PayloadRejected, axis, openalpr, platerecognizer
from cameras.apis import CameraIngestView, CameraKeyAuthentication
from cameras.images import ImageRejected
from cameras.models import Camera
from cameras.services import IngestRejected, camera_for_api_key, device_payload_ingest
from portal.validation import JsonRefused, bounded_json_loads


class CameraKeyHeaderAuthentication(CameraKeyAuthentication):
    """``Authorization: Camera <key>``, or ``X-Camera-Key: <key>`` for devices that can add a header
    but not choose the Authorization scheme."""

    def authenticate(self, request):
        key = request.META.get("HTTP_X_CAMERA_KEY")
        if key is None:
            return super().authenticate(request)
        camera = camera_for_api_key(key.strip())
        if camera is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked camera key.")
        return AnonymousUser(), camera


class WebhookTokenAuthentication(BaseAuthentication):
    """The secret in the URL (``.../<format>/<token>/``) must be this camera's current token."""

    def authenticate(self, request):
        kwargs = (request.parser_context or {}).get("kwargs", {})
        token = kwargs.get("token")
        if token is None:
            return None
        camera = (
            Camera.all_cities.select_related("city", "edge")
            .filter(city=request.city, public_id=kwargs.get("camera_id"))
            .first()
        )
        if camera is None or not hasattr(camera, "edge") or not camera.edge.webhook_token_matches(token):
            raise exceptions.AuthenticationFailed("Unknown or revoked webhook URL.")
        return AnonymousUser(), camera

    def authenticate_header(self, request):
        return "Camera"


class DeviceIngestView(CameraIngestView):
    authentication_classes = [WebhookTokenAuthentication, CameraKeyHeaderAuthentication]
    # The project's default parsers (JSON, form, multipart), so that limits set on them apply here.
    source_format = ""

    def parse(self, body, image: bytes | None):
        raise NotImplementedError

    @extend_schema(
        request={"application/json": dict, "multipart/form-data": dict},
        responses={200: OpenApiResponse(description="created, duplicates, kind"), 400: OpenApiResponse()},
    )
    def post(self, request, city_slug: str, camera_id, token: str | None = None):
        try:
            body, image = self._body(request)
            parsed = self.parse(body, image)
            result = device_payload_ingest(
                camera=request.auth, source_format=self.source_format, parsed=parsed
            )
        except PayloadRejected as error:
            self._refuse(
                request,
                self.kwargs,
                code=error.code,
                message=f"{self.source_format}: {error}",
                camera=request.auth,
            )
            body = {"detail": error.message, "field": error.field, "code": error.code}
            return Response(body, status=error.status)
        except (ImageRejected, IngestRejected) as error:
            return self.refused(request, self.kwargs, error)
        return Response(
            {
                "kind": result.kind,
                "created": result.created,
                "duplicates": result.duplicates,
                "heartbeat": result.heartbeat,
            },
            status=200,
        )

    def _body(self, request) -> tuple[object, bytes | None]:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError as error:  # Django reads such a body as empty; the device gets told
            raise PayloadRejected("Content-Length", "must be a number of bytes.") from error
        if length > settings.STEWARD_MAX_FRAME_BYTES + 256 * 1024:
            raise PayloadRejected(
                "body",
                f"is {length} bytes; the limit is {settings.STEWARD_MAX_FRAME_BYTES}.",
                code="too_large",
                status=413,
            )
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        try:
            data = request.data
        except exceptions.ParseError as error:
            raise PayloadRejected("body", f"is not valid JSON ({error.detail}).", code="malformed") from error
        except exceptions.UnsupportedMediaType as error:
            raise PayloadRejected(
                "Content-Type",
                "send application/json or multipart/form-data.",
                code="unsupported_type",
                status=415,
            ) from error
        if content_type == "application/json":
            return data, None
        return self._multipart(request)

    def _multipart(self, request) -> tuple[object, bytes | None]:
        files = list(request.FILES.items())
        if len(files) > 1 and "upload" not in request.FILES:
            raise PayloadRejected("upload", "send one image file.")
        image = None
        if files:
            upload = request.FILES.get("upload") or files[0][1]
            if upload.size > settings.STEWARD_MAX_FRAME_BYTES:
                raise PayloadRejected(
                    files[0][0],
                    f"the image is over {settings.STEWARD_MAX_FRAME_BYTES} bytes.",
                    code="too_large",
                    status=413,
                )
            image = upload.read()
        fields = {name: request.POST.get(name) for name in request.POST}
        name = "json" if "json" in fields else next(iter(fields), None)
        if name is None:
            raise PayloadRejected("json", "the form has no JSON field (send the event as 'json').")
        try:
            return bounded_json_loads(fields[name] or ""), image
        except JsonRefused as error:
            # The field's JSON has the body's limits (size, depth, no NaN): deeply nested JSON here
            # raised RecursionError (a 500).
            raise PayloadRejected(name, f"is not valid JSON ({error}).", code="malformed") from error


class OpenAlprIngestApi(DeviceIngestView):
    source_format = "openalpr"

    def parse(self, body, image):
        if image is not None:
            raise PayloadRejected("upload", "the OpenALPR agent sends JSON only.", code="foreign")
        return openalpr.parse(body)


class PlateRecognizerStreamIngestApi(DeviceIngestView):
    source_format = "platerecognizer-stream"

    def parse(self, body, image):
        return platerecognizer.parse(body, product="stream", image=image)


class PlateRecognizerSnapshotIngestApi(DeviceIngestView):
    source_format = "platerecognizer-snapshot"

    def parse(self, body, image):
        return platerecognizer.parse(body, product="snapshot", image=image)


class AxisLpvIngestApi(DeviceIngestView):
    source_format = "axis-lpv"

    def parse(self, body, image):
        return axis.parse(body, image=image, time_zone=self.request.city.time_zone)


DEVICE_APIS = {
    "openalpr": OpenAlprIngestApi,
    "platerecognizer-stream": PlateRecognizerStreamIngestApi,
    "platerecognizer-snapshot": PlateRecognizerSnapshotIngestApi,
    "axis-lpv": AxisLpvIngestApi,
}


class CameraKeyScheme(OpenApiAuthenticationExtension):
    target_class = "cameras.apis.CameraKeyAuthentication"
    name = "cameraKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "'Camera <key>'"}


class CameraKeyHeaderScheme(OpenApiAuthenticationExtension):
    target_class = "cameras.apis_devices.CameraKeyHeaderAuthentication"
    name = "cameraKeyHeader"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Camera-Key",
            "description": "the camera's key ('Authorization: Camera <key>' works too)",
        }


class WebhookTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cameras.apis_devices.WebhookTokenAuthentication"
    name = "cameraWebhookUrl"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "token",
            "description": "The camera's secret webhook URL: the last path segment, .../<format>/<token>/",
        }
