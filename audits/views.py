from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audits.events import EventType
from audits.forms import AuditFilterForm
from audits.models import Outcome
from audits.selectors import audit_events_for_city
from audits.services import audit_record
from portal.access import access, city_roles
from portal.roles import AUDIT_READER_ROLES

PAGE_SIZE = 50


@access(city_roles(*AUDIT_READER_ROLES))
def audit_log(request: HttpRequest, city_slug: str) -> HttpResponse:
    """The city's audit log for auditors and the chief. Looking at it is itself logged."""
    city = request.city
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page_number = request.GET.get("page", "1")
    page = Paginator(audit_events_for_city(city=city, **filters), PAGE_SIZE).get_page(page_number)
    # Fetch the page before recording this visit, so the count and the rows describe the same log.
    page.object_list = list(page.object_list)
    with transaction.atomic():
        audit_record(
            event_type=EventType.AUDIT_VIEWED,
            city=city,
            actor=request.user,
            details={
                "filters": {key: str(value) for key, value in filters.items() if value},
                "page": page.number,
            },
            outcome=Outcome.SUCCESS,
            request=request,
        )
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "audits/audit_log.html", {"city": city, "form": form, "page": page}, status=status)
