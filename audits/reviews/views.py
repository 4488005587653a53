"""Review pages under /c/<city_slug>/reviews/: the list, one review, its CSV and PDF, the actions."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audits.events import EventType
from audits.models import Outcome
from audits.reviews import services
from audits.reviews.models import Door, FederalOperation, FindingStatus, ReviewStatus, Severity
from audits.reviews.pdf import review_pdf
from audits.reviews.selectors import (
    findings_of_review,
    get_finding_for_city,
    get_review_for_city,
    kinds_of_review,
    reviews_of_city,
)
from audits.services import audit_record
from cameras.models import Camera
from portal.access import access, city_roles
from portal.exports import SafeCsvWriter
from portal.roles import Role
from portal.validation import SaneDateField

READERS = city_roles(Role.CHIEF, Role.AUDITOR, Role.CLERK)
REQUESTERS = city_roles(Role.CHIEF, Role.AUDITOR)
MARKERS = city_roles(Role.CHIEF, Role.AUDITOR, Role.CLERK)
CASE_OPENERS = city_roles(Role.AUDITOR, Role.CLERK)
CHIEF = city_roles(Role.CHIEF)
OPERATION_EDITORS = city_roles(Role.CHIEF, Role.CLERK)


class MonthForm(forms.Form):
    month = forms.CharField(
        label="Month to review",
        help_text="YYYY-MM",
        widget=forms.TextInput(attrs={"type": "month"}),
        max_length=7,
    )

    def clean_month(self) -> dt.date:
        value = self.cleaned_data["month"].strip()
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError as error:
            raise ValidationError("Give the month as YYYY-MM, e.g. 2026-09.") from error


class FilterForm(forms.Form):
    door = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Door.choices))
    severity = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Severity.choices))
    status = forms.ChoiceField(required=False, choices=[("", "Any")] + list(FindingStatus.choices))
    kind = forms.CharField(required=False, max_length=64)


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class OperationForm(forms.ModelForm):
    # The queryset is set per request, inside the city's scope.
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty when the places are not known.",
    )

    class Meta:
        model = FederalOperation
        fields = ["name", "starts_on", "ends_on", "cameras", "notes"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    starts_on = SaneDateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = SaneDateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cameras"].queryset = Camera.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError({"ends_on": "The operation ends on or after the day it starts."})
        return data


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _refused(request: HttpRequest, *, action: str, message: str, target: str = "") -> None:
    """Every refusal on these pages is an entry of the city's audit log."""
    audit_record(
        event_type=EventType.REVIEW_REFUSED,
        city=request.city,
        actor=request.user,
        target_type="review" if target else "",
        target_id=target,
        details={"action": action, "message": message[:500], "path": request.path},
        outcome=Outcome.DENIED,
        request=request,
    )


@access(READERS)
def review_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    city = request.city
    form = MonthForm()
    status = 200
    if request.method == "POST":
        if not request.user.has_city_role(city, Role.CHIEF, Role.AUDITOR):
            _refused(request, action="request", message="The chief and auditors ask for reviews.")
            return HttpResponse("The chief and auditors ask for reviews.", status=403)
        form = MonthForm(request.POST)
        if form.is_valid():
            try:
                review = services.review_request(
                    city=city, month=form.cleaned_data["month"], by=request.user, request=request
                )
            except ValidationError as error:
                _refused(request, action="request", message=_errors(error))
                form.add_error("month", _errors(error))
            else:
                return redirect("review_detail", city_slug=city.slug, public_id=review.public_id)
        status = 400
    context = {
        "city": city,
        "reviews": reviews_of_city(city=city),
        "form": form,
        "can_request": request.user.role in (Role.CHIEF, Role.AUDITOR),
    }
    return render(request, "audits/reviews/review_list.html", context, status=status)


@access(READERS)
def review_detail(request: HttpRequest, city_slug: str, public_id) -> HttpResponse:
    city = request.city
    review = get_review_for_city(city=city, public_id=public_id)
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    findings = list(findings_of_review(review=review, **{k: v for k, v in chosen.items() if v}))
    audit_record(
        event_type=EventType.REVIEW_VIEWED,
        city=city,
        actor=request.user,
        target_type="review",
        target_id=str(review.public_id),
        details={"filters": {k: v for k, v in chosen.items() if v}},
        request=request,
    )
    summary = review.summary or {}
    charts = {
        "severity": summary.get("findings_by_severity", {}),
        "door": summary.get("findings_by_door", {}),
        "agency": summary.get("searches_by_agency", {}),
        "outcome": summary.get("searches_by_outcome", {}),
    }
    role = request.user.role
    context = {
        "city": city,
        "review": review,
        "findings": findings,
        "filters": filters,
        "kinds": kinds_of_review(review=review),
        "summary": summary,
        "charts": charts,
        "open_count": review.findings.filter(status=FindingStatus.OPEN).count(),
        "can_mark": review.status == ReviewStatus.DONE and role in (Role.CHIEF, Role.AUDITOR, Role.CLERK),
        "can_open_case": role in (Role.AUDITOR, Role.CLERK),
        "can_sign": review.status == ReviewStatus.DONE and role == Role.CHIEF,
        "running": review.status in (ReviewStatus.QUEUED, ReviewStatus.RUNNING),
        "note_form": NoteForm(),
    }
    status = 400 if filters.is_bound and not filters.is_valid() else 200
    return render(request, "audits/reviews/review_detail.html", context, status=status)


@never_cache
@access(READERS)
def review_progress(request: HttpRequest, city_slug: str, public_id) -> JsonResponse:
    review = get_review_for_city(city=request.city, public_id=public_id)
    return JsonResponse(
        {
            "status": review.status,
            "progress": review.progress,
            "label": review.progress_label,
            "failure": review.failure,
            "done": review.status in (ReviewStatus.DONE, ReviewStatus.SIGNED, ReviewStatus.FAILED),
        }
    )


@access(READERS)
def review_csv(request: HttpRequest, city_slug: str, public_id) -> HttpResponse:
    city = request.city
    review = get_review_for_city(city=city, public_id=public_id)
    findings = findings_of_review(review=review)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{city.slug}-{review.reference}.csv"'
    writer = SafeCsvWriter(response)
    writer.writerow(
        [
            "finding",
            "door",
            "kind",
            "severity",
            "title",
            "detail",
            "agency",
            "user",
            "occurred_at",
            "status",
            "reviewed_by",
            "note",
            "revocation_case",
            "evidence_searches",
            "evidence_audit_entries",
        ]
    )
    for f in findings:
        writer.writerow(
            [
                f.public_id,
                f.door,
                f.kind,
                f.severity,
                f.title,
                f.detail,
                f.agency.name if f.agency_id else "",
                f.user.username if f.user_id else "",
                f.occurred_at.isoformat() if f.occurred_at else "",
                f.status,
                f.reviewed_by.username if f.reviewed_by_id else "",
                f.note,
                f.revocation_case.reference if f.revocation_case_id else "",
                " ".join(str(s.public_id) for s in f.evidence_searches.all()),
                " ".join(str(e.sequence) for e in f.evidence_events.all()),
            ]
        )
    audit_record(
        event_type=EventType.REVIEW_EXPORTED,
        city=city,
        actor=request.user,
        target_type="review",
        target_id=str(review.public_id),
        details={"format": "csv"},
        request=request,
    )
    return response


@access(READERS)
def review_pdf_view(request: HttpRequest, city_slug: str, public_id) -> HttpResponse:
    city = request.city
    review = get_review_for_city(city=city, public_id=public_id)
    content = review_pdf(review=review, findings=list(findings_of_review(review=review)), city=city)
    audit_record(
        event_type=EventType.REVIEW_EXPORTED,
        city=city,
        actor=request.user,
        target_type="review",
        target_id=str(review.public_id),
        details={"format": "pdf"},
        request=request,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{city.slug}-{review.reference}.pdf"'
    return response


@require_POST
@access(MARKERS)
def finding_mark(request: HttpRequest, city_slug: str, public_id, finding_id) -> HttpResponse:
    city = request.city
    review = get_review_for_city(city=city, public_id=public_id)
    finding = get_finding_for_city(city=city, review=review, public_id=finding_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a note saying what you checked (up to 2,000 characters).")
        return redirect(_back(review, city))
    try:
        services.finding_mark_reviewed(
            finding=finding, by=request.user, note=form.cleaned_data["note"], request=request
        )
    except ValidationError as error:
        _refused(request, action="mark", message=_errors(error), target=str(review.public_id))
        messages.error(request, _errors(error))
    else:
        messages.success(request, "Marked reviewed.")
    return redirect(_back(review, city) + f"#f-{finding.public_id}")


@require_POST
@access(CASE_OPENERS)
def finding_revoke(request: HttpRequest, city_slug: str, public_id, finding_id) -> HttpResponse:
    city = request.city
    review = get_review_for_city(city=city, public_id=public_id)
    finding = get_finding_for_city(city=city, review=review, public_id=finding_id)
    try:
        case = services.finding_open_revocation(finding=finding, by=request.user, request=request)
    except (ValidationError, PermissionDenied) as error:
        message = _errors(error) if isinstance(error, ValidationError) else str(error)
        _refused(request, action="open_case", message=message, target=str(review.public_id))
        messages.error(request, message)
        return redirect(_back(review, city) + f"#f-{finding.public_id}")
    messages.success(request, f"Revocation case {case.reference} opened with the finding's evidence.")
    return redirect("sharing:revocation_detail", city_slug=city.slug, public_id=case.public_id)


@require_POST
@access(CHIEF)
def review_sign(request: HttpRequest, city_slug: str, public_id) -> HttpResponse:
    city = request.city
    review = get_review_for_city(city=city, public_id=public_id)
    try:
        services.review_sign(review=review, by=request.user, request=request)
    except ValidationError as error:
        _refused(request, action="sign", message=_errors(error), target=str(review.public_id))
        messages.error(request, _errors(error))
    else:
        messages.success(request, "Review signed; it is now listed on the public page.")
    return redirect(_back(review, city))


def _back(review, city) -> str:
    return reverse("review_detail", kwargs={"city_slug": city.slug, "public_id": review.public_id})


@access(READERS)
def operation_list(request: HttpRequest, city_slug: str) -> HttpResponse:
    """Known federal operations (dates and places) the side-door detector compares searches with."""
    city = request.city
    can_edit = request.user.role in (Role.CHIEF, Role.CLERK)
    form = OperationForm()
    status = 200
    if request.method == "POST":
        if not can_edit:
            _refused(request, action="operation", message="The chief and clerks enter operations.")
            return HttpResponse("The chief and clerks enter operations.", status=403)
        form = OperationForm(request.POST)
        if form.is_valid():
            operation = services.operation_record(
                city=city,
                by=request.user,
                request=request,
                **{k: form.cleaned_data[k] for k in form.Meta.fields},
            )
            messages.success(request, f"{operation.name} recorded.")
            return redirect("operation_list", city_slug=city.slug)
        status = 400
    operations = FederalOperation.objects.filter(city=city).prefetch_related("cameras")
    context = {"city": city, "operations": operations, "form": form, "can_edit": can_edit}
    return render(request, "audits/reviews/operation_list.html", context, status=status)
