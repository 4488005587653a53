"""Sharing API: searches of a city's reads, for its officers and for partner agencies (tokens)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.validation import SaneDateTimeSerializerField
from sharing.grants import GrantApiRequest
from sharing.permissions import CITY_SEARCHER, request_grant
from sharing.selectors import ReadQuery, normalize_plate, search_crop_path
from sharing.services import search_run


class SearchInputSerializer(serializers.Serializer[Any]):
    plate = serializers.CharField(max_length=16, help_text="Full plate, or part of one with partial=true.")
    # a field named like BaseSerializer.partial: DRF's metaclass moves it to _declared_fields
    partial = serializers.BooleanField(default=False)  # type: ignore[assignment]
    since = SaneDateTimeSerializerField(required=False, allow_null=True, default=None)
    until = SaneDateTimeSerializerField(required=False, allow_null=True, default=None)
    cameras = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=500, help_text="Camera ids."
    )
    colour = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        max_length=1000, allow_blank=True, help_text="The specific incident: what, where, when."
    )
    offense_type = serializers.CharField(
        max_length=100, allow_blank=True, help_text="Offense type code or label."
    )
    case_number = serializers.CharField(max_length=64, allow_blank=True)

    def validate_plate(self, value: str) -> str:
        plate = normalize_plate(value)
        if not plate:
            raise serializers.ValidationError("Enter the plate's letters and digits.")
        return plate

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise serializers.ValidationError({"until": "The end of the range must be after its start."})
        return data


class ReadOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="read.public_id")
    plate = serializers.CharField(source="read.plate")
    captured_at = SaneDateTimeSerializerField(source="read.captured_at")
    camera_id = serializers.UUIDField(source="read.camera.public_id")
    camera = serializers.CharField(source="read.camera.name")
    vehicle_colour = serializers.CharField(source="read.vehicle_colour")
    crop_url = serializers.CharField()


class SearchOutputSerializer(serializers.Serializer[Any]):
    search = serializers.UUIDField()
    outcome = serializers.CharField()
    rule = serializers.CharField()
    message = serializers.CharField()
    since = SaneDateTimeSerializerField()
    until = SaneDateTimeSerializerField()
    cameras_reached = serializers.IntegerField()
    result_count = serializers.IntegerField()
    results = ReadOutputSerializer(many=True)


DENIED = inline_serializer(
    name="SearchDenied",
    fields={
        "detail": serializers.CharField(),
        "search": serializers.UUIDField(),
        "outcome": serializers.CharField(),
        "rule": serializers.CharField(),
        "rules": serializers.ListField(child=serializers.CharField()),
        "message": serializers.CharField(),
    },
)


class SearchCreateApi(APIView):
    """Search a city's reads. The city's policy decides before any query runs; every search, allowed
    or denied, is recorded with its reason, offense type and case number."""

    access_rule = CITY_SEARCHER

    @extend_schema(
        operation_id="search_create",
        request=SearchInputSerializer,
        responses={
            200: SearchOutputSerializer,
            400: inline_serializer(name="SearchInputErrors", fields={"plate": serializers.ListField()}),
            403: DENIED,
            404: inline_serializer(name="NotFound", fields={"detail": serializers.CharField()}),
        },
        examples=[
            OpenApiExample(
                "Stolen vehicle",
                request_only=True,
                value={
                    "plate": "ABC1234",
                    "reason": "Stolen vehicle taken from the 5th Ave lot on 3 May, owner report",
                    "offense_type": "stolen_vehicle",
                    "case_number": "2026-004512",
                },
            )
        ],
    )
    def post(self, request: GrantApiRequest, city_slug: str) -> Response:
        city = request.city
        grant = request_grant(request)
        serializer = SearchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["cameras"]:
            visible = set(
                grant.cameras().filter(public_id__in=data["cameras"]).values_list("public_id", flat=True)
            )
            unknown = [str(camera) for camera in data["cameras"] if camera not in visible]
            if unknown:
                raise serializers.ValidationError(
                    {"cameras": [f"Not a camera you may search: {', '.join(unknown)}"]}
                )
        result = search_run(
            grant=grant,
            query=ReadQuery(
                plate=data["plate"],
                partial=data["partial"],
                since=data["since"],
                until=data["until"],
                camera_ids=data["cameras"],
                colour=data["colour"],
            ),
            reason=data["reason"],
            offense_type=data["offense_type"],
            case_number=data["case_number"],
            request=request._request,
        )
        search = result.search
        if not result.allowed:
            return Response(
                {
                    "detail": result.decision.message,
                    "search": search.public_id,
                    "outcome": search.outcome,
                    "rule": result.decision.rule,
                    "rules": list(result.decision.rules),
                    "message": result.decision.message,
                    "evidence": list(result.decision.evidence),
                    "engine_version": result.decision.engine_version,
                    # a held search waits for a supervisor: its page shows the status and, once
                    # approved, the results (web only)
                    **(
                        {"hold": request.build_absolute_uri(f"/c/{city.slug}/holds/{search.hold.public_id}/")}
                        if result.decision.held
                        else {}
                    ),
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        rows = [
            {
                "read": read,
                "crop_url": request.build_absolute_uri(search_crop_path(city.slug, search, read)),
            }
            for read in result.reads
        ]
        return Response(
            SearchOutputSerializer(
                {
                    "search": search.public_id,
                    "outcome": search.outcome,
                    "rule": result.decision.rule,
                    "message": result.decision.message,
                    "since": result.since,
                    "until": result.until,
                    "cameras_reached": search.cameras_reached,
                    "result_count": search.result_count,
                    "results": rows,
                }
            ).data
        )
