"""Public pages of the audit app under /p/<city_slug>/: checkpoints (JSON) and the annual report."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from audits.checkpoints import published_checkpoints
from audits.reports import annual_report
from audits.reviews.pdf import annual_report_pdf
from portal.access import PUBLIC, access

FIRST_YEAR = 2000


def _year(city, year: int) -> int:
    this_year = dt.date.today().year
    if not FIRST_YEAR <= year <= this_year:
        raise Http404("No report for that year.")
    return year


@never_cache
@access(PUBLIC)
def checkpoints_json(request: HttpRequest, city_slug: str) -> JsonResponse:
    """The city's signed audit checkpoints and the key that checks them."""
    return JsonResponse(published_checkpoints(city=request.city), json_dumps_params={"indent": 1})


@access(PUBLIC)
def report_page(request: HttpRequest, city_slug: str, year: int) -> HttpResponse:
    report = annual_report(city=request.city, year=_year(request.city, year))
    return render(request, "audits/annual_report.html", {"city": request.city, "report": report})


@access(PUBLIC)
def report_pdf(request: HttpRequest, city_slug: str, year: int) -> HttpResponse:
    report = annual_report(city=request.city, year=_year(request.city, year))
    response = HttpResponse(annual_report_pdf(report=report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{request.city.slug}-alpr-report-{year}.pdf"'
    return response
