"""Camera ingest API: frames (for recognition here) and reads (recognised on the device).

Cameras authenticate with ``Authorization: Camera <key>``. The URL names the city and the camera;
the key must belong to that very camera. Every refusal is answered with a clear 4xx and recorded
in the city's audit log, and leaves no frame, read or file behind.
"""

from __future__ import annotations

import base64
import binascii
import math

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cameras import selectors as camera_selectors
from cameras.images import ImageRejected
from cameras.models import Camera, Disposition
from cameras.recognition import normalize_plate
from cameras.services import (
    DeviceRead,
    HitAlreadyDisposed,
    IngestRejected,
    camera_for_api_key,
    check_crop,
    frame_ingest,
    hit_disposition,
    reads_ingest_from_device,
    upload_refusal_record,
)
from portal.access import Rule, city_roles
from portal.roles import HIT_HANDLER_ROLES
from portal.validation import BoundedJSONParser, SaneDateTimeSerializerField


class CameraKeyAuthentication(BaseAuthentication):
    keyword = b"camera"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as 'Authorization: Camera <key>'.")
        camera = camera_for_api_key(header[1].decode("ascii", "replace"))
        if camera is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked camera key.")
        return AnonymousUser(), camera

    def authenticate_header(self, request):
        return "Camera"


class _CameraOfThisUrl(Rule):
    description = "a camera with its own key, uploading to itself"

    def needs_login(self) -> bool:
        return False

    def allows(self, request) -> bool:
        return isinstance(getattr(request, "auth", None), Camera)


CAMERA_KEY = _CameraOfThisUrl()


class CameraIngestView(APIView):
    authentication_classes = [CameraKeyAuthentication]
    access_rule = CAMERA_KEY
    # Refused uploads are recorded as ``camera.upload_refused`` (one entry each), not ``access.refused``.
    records_its_refusals = True

    def initial(self, request, *args, **kwargs):
        try:
            super().initial(request, *args, **kwargs)
        except exceptions.APIException as error:
            self._refuse(request, kwargs, code=error.default_code, message=str(error.detail))
            raise
        camera: Camera = request.auth
        if camera.city_id != request.city.pk or str(camera.public_id) != str(kwargs["camera_id"]):
            self._refuse(request, kwargs, code="wrong_camera", message="key of another camera", camera=camera)
            # The same answer as for a camera that does not exist: nothing about other cities leaks.
            raise exceptions.NotFound("No such camera in this city.")

    def _refuse(self, request, kwargs, *, code: str, message: str, camera: Camera | None = None) -> None:
        upload_refusal_record(
            city=request.city,
            camera_public_id=str(kwargs.get("camera_id", "")),
            code=code,
            message=message,
            request=request,
            camera=camera,
        )

    def refused(self, request, kwargs, error: ImageRejected | IngestRejected) -> Response:
        self._refuse(request, kwargs, code=error.code, message=str(error), camera=request.auth)
        return Response({"detail": str(error), "code": error.code}, status=error.status)


class FrameUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A JPEG or PNG frame.")
    captured_at = SaneDateTimeSerializerField(
        help_text="When the camera took the frame (ISO 8601, with zone)."
    )


class FrameAcceptedSerializer(serializers.Serializer):
    frame_id = serializers.UUIDField()
    status = serializers.CharField()
    created = serializers.BooleanField()


class FrameUploadApi(CameraIngestView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": FrameUploadSerializer},
        responses={
            202: FrameAcceptedSerializer,
            200: FrameAcceptedSerializer,
            400: OpenApiResponse(),
            401: OpenApiResponse(),
            413: OpenApiResponse(),
            415: OpenApiResponse(),
        },
    )
    def post(self, request, city_slug: str, camera_id):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:  # Django reads such a body as empty: the camera is told why
            return self.refused(
                request,
                self.kwargs,
                IngestRejected("Content-Length must be a number of bytes.", code="invalid", status=400),
            )
        if length > settings.STEWARD_MAX_FRAME_BYTES + 64 * 1024:
            return self.refused(
                request,
                self.kwargs,
                IngestRejected(
                    f"The upload is {length} bytes; the limit is {settings.STEWARD_MAX_FRAME_BYTES} bytes.",
                    code="too_large",
                    status=413,
                ),
            )
        if len(request.FILES.getlist("image")) > 1:
            # one frame per upload: a second image part would be dropped without a word
            return self.refused(
                request,
                self.kwargs,
                IngestRejected("Send one image per upload.", code="invalid", status=400),
            )
        serializer = FrameUploadSerializer(data=request.data)
        if not serializer.is_valid():
            self._refuse(
                request, self.kwargs, code="invalid", message=str(serializer.errors), camera=request.auth
            )
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        upload = serializer.validated_data["image"]
        if upload.size > settings.STEWARD_MAX_FRAME_BYTES:
            return self.refused(
                request,
                self.kwargs,
                IngestRejected(
                    f"The image is {upload.size} bytes; "
                    f"the limit is {settings.STEWARD_MAX_FRAME_BYTES} bytes.",
                    code="too_large",
                    status=413,
                ),
            )
        try:
            frame, created = frame_ingest(
                camera=request.auth, data=upload.read(), captured_at=serializer.validated_data["captured_at"]
            )
        except (ImageRejected, IngestRejected) as error:
            return self.refused(request, self.kwargs, error)
        body = {"frame_id": frame.public_id, "status": frame.status, "created": created}
        return Response(body, status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)


class DeviceReadSerializer(serializers.Serializer):
    plate = serializers.CharField(max_length=32)
    confidence = serializers.FloatField(min_value=0.0, max_value=1.0)
    captured_at = SaneDateTimeSerializerField()
    crop = serializers.CharField(
        required=False, allow_blank=True, help_text="Base64 JPEG or PNG of the plate."
    )
    vehicle_colour = serializers.CharField(required=False, allow_blank=True, max_length=16)

    def validate_plate(self, value: str) -> str:
        plate = normalize_plate(value)
        if not 2 <= len(plate) <= 10:
            raise serializers.ValidationError("A plate has 2 to 10 letters or digits.")
        return plate

    def validate_crop(self, value: str):
        if not value:
            return None
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise serializers.ValidationError("The crop is not valid base64.") from error
        try:
            return check_crop(data)
        except ImageRejected as error:
            raise serializers.ValidationError(str(error)) from error


class ReadBatchSerializer(serializers.Serializer):
    reads = DeviceReadSerializer(many=True, allow_empty=False)

    def validate_reads(self, value):
        if len(value) > settings.STEWARD_MAX_READS_PER_BATCH:
            raise serializers.ValidationError(
                f"At most {settings.STEWARD_MAX_READS_PER_BATCH} reads per request."
            )
        return value


_PLAIN_READ_FIELDS = frozenset({"plate", "confidence", "captured_at", "vehicle_colour"})
_CAPTURED_AT = SaneDateTimeSerializerField()


def _plain_text(value: object, max_length: int) -> str | None:
    """``value`` as DRF's ``CharField`` would take it, or None when DRF should judge it."""
    if type(value) is not str:
        return None
    text = value.strip()
    if len(text) > max_length or "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text):
        return None
    return text


def plain_read_batch(data: object) -> list[DeviceRead] | None:
    """The reads of a batch whose every read is plain and valid (plate, confidence, capture time,
    optional colour; no crop), checked as ``ReadBatchSerializer`` checks them but without its
    per-field machinery (a fifth of a 100-read request's time). None: anything else, and
    ``ReadBatchSerializer`` decides, with its field-by-field errors."""
    if not isinstance(data, dict):
        return None
    items = data.get("reads")
    if not isinstance(items, list) or not 0 < len(items) <= settings.STEWARD_MAX_READS_PER_BATCH:
        return None
    reads: list[DeviceRead] = []
    for item in items:
        if not isinstance(item, dict) or not item.keys() <= _PLAIN_READ_FIELDS:
            return None
        plate_text = _plain_text(item.get("plate"), 32)
        confidence = item.get("confidence")
        moment = item.get("captured_at")
        colour = _plain_text(item.get("vehicle_colour", ""), 16)
        if (
            not plate_text
            or colour is None
            or type(confidence) not in (int, float)
            or type(moment) is not str
        ):
            return None
        if not (math.isfinite(confidence) and 0.0 <= confidence <= 1.0):
            return None
        plate = normalize_plate(plate_text)
        if not 2 <= len(plate) <= 10:
            return None
        try:
            captured_at = _CAPTURED_AT.to_internal_value(moment)
        except serializers.ValidationError:
            return None
        reads.append(
            DeviceRead(
                plate=plate,
                confidence=float(confidence),
                captured_at=captured_at,
                vehicle_colour=colour.lower(),
            )
        )
    return reads


class ReadBatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()


class ReadBatchApi(CameraIngestView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        request=ReadBatchSerializer, responses={201: ReadBatchResultSerializer, 400: OpenApiResponse()}
    )
    def post(self, request, city_slug: str, camera_id):
        raw = request.data.get("reads") if isinstance(request.data, dict) else None
        if isinstance(raw, list) and len(raw) > settings.STEWARD_MAX_READS_PER_BATCH:
            return self.refused(
                request,
                self.kwargs,
                IngestRejected(
                    f"At most {settings.STEWARD_MAX_READS_PER_BATCH} reads per request.", code="too_many"
                ),
            )
        reads = plain_read_batch(request.data)
        if reads is None:
            serializer = ReadBatchSerializer(data=request.data)
            if not serializer.is_valid():
                self._refuse(
                    request,
                    self.kwargs,
                    code="invalid",
                    message=str(serializer.errors)[:300],
                    camera=request.auth,
                )
                return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
            reads = [
                DeviceRead(
                    plate=item["plate"],
                    confidence=item["confidence"],
                    captured_at=item["captured_at"],
                    crop=item.get("crop"),
                    vehicle_colour=item.get("vehicle_colour", "").lower(),
                )
                for item in serializer.validated_data["reads"]
            ]
        try:
            result = reads_ingest_from_device(camera=request.auth, reads=reads)
        except IngestRejected as error:
            return self.refused(request, self.kwargs, error)
        return Response(
            {"created": result.created, "duplicates": result.duplicates}, status=status.HTTP_201_CREATED
        )


# --- hits (dispatchers) -------------------------------------------------------------------------------------


HIT_HANDLERS = city_roles(*HIT_HANDLER_ROLES)


class HitListQuerySerializer(serializers.Serializer):
    since = SaneDateTimeSerializerField(required=False, help_text="Hits created at or after this time.")
    status = serializers.ChoiceField(choices=["new", "confirmed", "rejected"], required=False)


class HitListApi(APIView):
    access_rule = HIT_HANDLERS

    @extend_schema(parameters=[HitListQuerySerializer], responses={200: OpenApiResponse(description="hits")})
    def get(self, request, city_slug: str):
        query = HitListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        hits = camera_selectors.hits_since(
            since=query.validated_data.get("since"), status=query.validated_data.get("status", "")
        )
        return Response({"hits": [camera_selectors.hit_payload(hit) for hit in hits]})


class DispositionSerializer(serializers.Serializer):
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    action_taken = serializers.CharField(required=False, allow_blank=True, max_length=300)


class HitDispositionApi(APIView):
    access_rule = HIT_HANDLERS

    @extend_schema(request=DispositionSerializer, responses={200: OpenApiResponse(description="the hit")})
    def post(self, request, city_slug: str, hit_id):
        hit = camera_selectors.get_hit(public_id=hit_id)
        serializer = DispositionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            hit = hit_disposition(hit=hit, by=request.user, request=request, **serializer.validated_data)
        except HitAlreadyDisposed as error:
            # The page shows the disposition that stands, so it stops offering the form.
            hit.refresh_from_db()
            body = {"detail": str(error), "hit": camera_selectors.hit_payload(hit)}
            return Response(body, status=status.HTTP_409_CONFLICT)
        except ValueError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(camera_selectors.hit_payload(hit))
