"""The public page of a city, and the same data as CSV and JSON (open data, no sign-in)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access import PUBLIC, access
from portal.exports import SafeCsvWriter
from portal.http import CityApiRequest, CityUrlRequest
from portal.maps import map_context
from portal.public import public_report

CSV_TABLES: dict[str, tuple[str, list[str] | None]] = {
    "cameras": ("Cameras", ["name", "latitude", "longitude", "status"]),
    "agencies": (
        "Agencies with access",
        [
            "agency",
            "agency_kind",
            "starts_on",
            "ends_on",
            "cameras",
            "partial_plates",
            "hotlist_alerts",
            "offense_types",
        ],
    ),
    "revocations": ("Revoked agencies", ["agency", "revoked_on", "grounds", "permanent"]),
    "searches": ("Searches in the last 30 days", ["agency", "offense_type", "outcome", "count"]),
    "activity": ("Activity per day", None),
    "checkpoints": ("Audit log checkpoints", ["as_of", "sequence", "entry_hash", "occurred_at"]),
}
_REPORT_KEYS = {
    "cameras": "cameras",
    "agencies": "agencies_with_access",
    "revocations": "revoked_agencies",
    "searches": "searches_last_30_days",
    "checkpoints": "audit_checkpoints",
}


@access(PUBLIC)
def city_public(request: CityUrlRequest, city_slug: str) -> HttpResponse:
    city = request.city
    report = public_report(city)
    points = [
        {
            "name": c["name"],
            "lat": c["latitude"],
            "lon": c["longitude"],
            "status": "active",
            "note": c["status"],
        }
        for c in report["cameras"]
    ]
    context = {
        "city": city,
        "report": report,
        "activity": report["activity"],
        "csv_tables": [(key, title) for key, (title, _) in CSV_TABLES.items()],
        **map_context(points, label=f"Map of {city.name}'s cameras"),
    }
    response = render(request, "portal/city_public.html", context)
    response["Cache-Control"] = "public, max-age=60"
    return response


@access(PUBLIC)
def city_public_csv(request: CityUrlRequest, city_slug: str, table: str) -> HttpResponse:
    if table not in CSV_TABLES:
        raise Http404("No such table.")
    report = public_report(request.city)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.city.slug}-{table}.csv"'
    writer = SafeCsvWriter(response)
    if table == "activity":
        activity = report["activity"]
        columns = [(group, label) for group in ("reads", "searches", "hits") for label in activity[group]]
        writer.writerow(["day"] + [f"{group}: {label}" for group, label in columns])
        for index, day in enumerate(report["activity"]["days"]):
            writer.writerow([day] + [activity[group][label][index] for group, label in columns])
        return response
    fields = CSV_TABLES[table][1] or []
    writer.writerow(fields)
    for row in report[_REPORT_KEYS[table]]:
        writer.writerow(["; ".join(row[f]) if isinstance(row[f], list) else row[f] for f in fields])
    return response


class CityOpenDataApi(APIView):
    """A city's public report as JSON: the same data as its public page. No plate, image or name."""

    access_rule = PUBLIC
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="city_open_data",
        summary="A city's transparency report (open data)",
        description=(
            "Cameras (where the city publishes their locations), retention, the search policy in full, "
            "every agency with access and its scope, revoked agencies, searches by agency, offense type "
            "and outcome, hits and their outcome, 30 days of daily counts, audit-log checkpoints and "
            "signed reviews. No sign-in. Never a plate, an image or an officer's name."
        ),
        parameters=[OpenApiParameter("city_slug", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: OpenApiTypes.OBJECT},
        tags=["open data"],
    )
    def get(self, request: CityApiRequest, city_slug: str) -> Response:
        response = Response(public_report(request.city))
        response["Cache-Control"] = "public, max-age=60"
        return response
