"""Sharing pages under /c/<city_slug>/: search, lookup, agreements, the city policy."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audits.refusals import refusal_record
from cameras.images import crop_content_type, private_image_response
from cameras.models import Camera, Read
from portal.access import CITY_STAFF, Rule, access, city_roles
from portal.errors import refused_action
from portal.exports import csv_response, wants_csv
from portal.http import CityRequest
from portal.labels import offense_label
from portal.models import Agency, City, User
from portal.object_permissions import holders_of, holds
from portal.roles import (
    AGREEMENT_EDITOR_ROLES,
    AGREEMENT_READER_ROLES,
    CASE_OPENER_ROLES,
    CASE_READER_ROLES,
    SEARCH_ROLES,
    Role,
)
from sharing import services
from sharing.forms import (
    AgreementForm,
    CityPolicyForm,
    LookupForm,
    RevocationCaseForm,
    RevocationDecisionForm,
    SearchForm,
    TransitionForm,
)
from sharing.grants import GrantRequest
from sharing.models import (
    EDIT_AGREEMENT_DRAFT,
    EDITABLE_POLICY_FIELDS,
    INVESTIGATE_CASE,
    AgreementState,
    RevocationGrounds,
    RevocationState,
    SharingAgreement,
)
from sharing.permissions import CITY_SEARCHER, request_grant
from sharing.selectors import (
    agreements_of_agency_and_units,
    agreements_of_city,
    city_policy_of,
    draft_editors,
    get_agreement_for_city,
    get_revocation_case_for_city,
    lookup_cities_for,
    may_edit_draft,
    permanent_blocks_of,
    read_in_search,
    revocation_case_history,
    revocation_cases_of,
    revocation_evidence_candidates,
    search_crop_path,
    searches_of_city,
)

AGREEMENT_READERS = city_roles(*AGREEMENT_READER_ROLES)
AGREEMENT_EDITORS = city_roles(*AGREEMENT_EDITOR_ROLES)
CHIEF = city_roles(Role.CHIEF)
LOCAL_SEARCHERS = city_roles(*SEARCH_ROLES)


RULE_INVALID_INPUT = "input.invalid"


def record_invalid_input(
    request: CityRequest, *, fields: Iterable[object], via: str = "web", status: int = 400
) -> None:
    """A search or lookup refused for its input: the rule and the fields at fault, never their values."""
    refusal_record(
        city=request.city,
        rule=RULE_INVALID_INPUT,
        via=via,
        status=status,
        request=request,
        extra={"fields": sorted(str(name) for name in fields)[:20]},
    )


def _form_errors(form: forms.BaseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# ----------------------------------------------------------------------------------------------
# Search and lookup
# ----------------------------------------------------------------------------------------------


@access(CITY_SEARCHER)
def search(request: GrantRequest, city_slug: str) -> HttpResponse:
    """Search the city's reads (its officers and chief, or a partner under an agreement in effect)."""
    city = request.city
    grant = request_grant(request)
    # Offer only the offense types this searcher may use: the policy's, narrowed by the agreement's.
    offense_codes = set(city_policy_of(city).permitted_offense_types or []) or None
    if grant.agreement is not None and grant.agreement.permitted_offense_types:
        agreed = set(grant.agreement.permitted_offense_types)
        offense_codes = agreed if offense_codes is None else offense_codes & agreed
    form = SearchForm(request.POST or None, cameras=grant.cameras(), offense_codes=offense_codes)
    context = {"city": city, "form": form, "agreement": grant.agreement, "result": None}
    if request.method != "POST":
        return render(request, "sharing/search.html", context)
    if not form.is_valid():
        record_invalid_input(request, fields=form.errors.keys())
        return render(request, "sharing/search.html", context, status=400)
    data = form.cleaned_data
    result = services.search_run(
        grant=grant,
        query=form.to_query(),
        reason=data["reason"],
        offense_type=data["offense_type"],
        case_number=data["case_number"],
        request=request,
    )
    context["result"] = result
    context["rows"] = [(read, search_crop_path(city.slug, result.search, read)) for read in result.reads]
    return render(request, "sharing/search.html", context, status=200 if result.allowed else 403)


@access(CITY_SEARCHER)
def search_read_crop(
    request: GrantRequest, city_slug: str, search_id: uuid.UUID, read_id: uuid.UUID
) -> FileResponse:
    """The plate crop of a read that the viewer's own allowed search returned; each view is audited.

    Anything else (another user's search, a denied one, a read the search could not have returned,
    a camera outside the grant) is the same 404 as a missing read.
    """
    grant = request_grant(request)
    search = searches_of_city(city=request.city).filter(public_id=search_id).first()
    read = Read.objects.select_related("camera").filter(public_id=read_id).first()
    if (
        search is None
        or read is None
        or not read.crop
        or not read_in_search(grant=grant, search=search, read=read)
    ):
        raise Http404("No such read.")
    services.read_crop_viewed(grant=grant, search=search, read=read, request=request)
    return private_image_response(read.crop, crop_content_type(read.crop))


@access(LOCAL_SEARCHERS)
def lookup(request: CityRequest, city_slug: str) -> HttpResponse:
    """A full-plate lookup across the other cities that opted in, as the city's policy allows."""
    city = request.city
    form = LookupForm(request.POST or None)
    context = {"city": city, "form": form, "result": None, "reachable": lookup_cities_for(city=city)}
    if request.method != "POST":
        return render(request, "sharing/lookup.html", context)
    if not form.is_valid():
        record_invalid_input(request, fields=form.errors.keys())
        return render(request, "sharing/lookup.html", context, status=400)
    data = form.cleaned_data
    result = services.lookup_run(
        user=request.user,
        city=city,
        query=form.to_query(),
        reason=data["reason"],
        offense_type=data["offense_type"],
        case_number=data["case_number"],
        request=request,
    )
    context["result"] = result
    return render(request, "sharing/lookup.html", context, status=200 if result.allowed else 403)


# ----------------------------------------------------------------------------------------------
# Agreements
# ----------------------------------------------------------------------------------------------


@access(AGREEMENT_READERS)
def agreement_list(request: CityRequest, city_slug: str) -> HttpResponse:
    city = request.city
    state = request.GET.get("state", "")
    state = state if state in AgreementState.values else ""
    agreements = agreements_of_city(city=city)
    if state:
        agreements = agreements.filter(state=state)
    if wants_csv(request):
        header = ["partner_agency", "state", "starts_on", "ends_on", "all_cameras", "partial_plates",
                  "hotlist_alerts", "offense_types", "drafted_by", "approved_by", "approved_at"]  # fmt: skip
        rows = (
            (
                a.partner_agency.name,
                a.get_state_display(),
                a.starts_on.isoformat(),
                a.ends_on.isoformat(),
                a.all_cameras,
                a.allow_partial_plate,
                a.hotlist_alerts,
                "; ".join(offense_label(code) for code in a.permitted_offense_types or []),
                a.drafted_by.get_username() if a.drafted_by else "",
                a.approved_by.get_username() if a.approved_by else "",
                a.approved_at.isoformat() if a.approved_at else "",
            )
            for a in agreements
        )
        return csv_response(
            request, name="agreements", header=header, rows=rows, city=city, filters={"state": state}
        )
    context = {"city": city, "agreements": agreements, "states": AgreementState.choices, "state": state}
    return render(request, "sharing/agreement_list.html", context)


@access(AGREEMENT_EDITORS)
def agreement_new(request: CityRequest, city_slug: str) -> HttpResponse:
    """Draft an agreement (a clerk or the chief). The policy engine refuses forbidden partners."""
    city = request.city
    cameras = Camera.objects.order_by("name")  # the city's own: the draft chooses among them
    form = AgreementForm(request.POST or None, city=city, policy=city_policy_of(city), cameras=cameras)
    context = {"city": city, "form": form, "refusal": None}
    if request.method != "POST":
        return render(request, "sharing/agreement_form.html", context)
    if not form.is_valid():
        return render(request, "sharing/agreement_form.html", context, status=400)
    data = form.cleaned_data
    try:
        agreement = services.agreement_draft(
            city=city,
            by=request.user,
            partner_agency=data["partner_agency"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            all_cameras=data["all_cameras"],
            cameras=list(data["cameras"]),
            allow_partial_plate=data["allow_partial_plate"],
            hotlist_alerts=data["hotlist_alerts"],
            permitted_offense_types=data["permitted_offense_types"],
            declaration_signed_by=data["declaration_signed_by"],
            declaration_signed_at=data["declaration_signed_at"],
            request=request,
        )
    except services.PolicyRefusal as refusal:
        context["refusal"] = refusal.decision
        return render(request, "sharing/agreement_form.html", context, status=403)
    except ValidationError as error:
        _form_errors(form, error)
        return render(request, "sharing/agreement_form.html", context, status=400)
    messages.success(request, "Agreement drafted. Submit it for the chief's approval when it is complete.")
    return redirect("sharing:agreement_detail", city_slug=city.slug, public_id=agreement.public_id)


RULE_NOT_DRAFT_EDITOR = "object.not_draft_editor"


def _refuse_unless_draft_editor(request: CityRequest, agreement: SharingAgreement) -> HttpResponse | None:
    """None for the clerks, the chief and the draft's assigned editors; a 403 (audited) otherwise."""
    user = request.user
    if user.role in AGREEMENT_EDITOR_ROLES or holds(user, agreement, EDIT_AGREEMENT_DRAFT):
        return None
    refusal_record(city=request.city, rule=RULE_NOT_DRAFT_EDITOR, via="web", status=403, request=request)
    return HttpResponseForbidden("Only the clerks, the chief and this draft's assigned editors edit it.")


@access(CITY_STAFF)
def agreement_edit(request: CityRequest, city_slug: str, public_id: uuid.UUID) -> HttpResponse:
    """Change a draft's terms (a clerk, the chief, or staff assigned to this draft); a submitted
    agreement is not edited."""
    city = request.city
    agreement = get_agreement_for_city(city=city, public_id=public_id)
    if refused := _refuse_unless_draft_editor(request, agreement):
        return refused
    if agreement.state != AgreementState.DRAFT:
        message = "Only a draft can be edited; this agreement has been submitted."
        return _agreement_refused(request, agreement, 409, message)
    detail = redirect("sharing:agreement_detail", city_slug=city.slug, public_id=agreement.public_id)
    cameras = Camera.objects.order_by("name")  # the city's own: the draft chooses among them
    initial = {
        "partner_agency": agreement.partner_agency,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "all_cameras": agreement.all_cameras,
        "cameras": list(agreement.cameras.all()),
        "allow_partial_plate": agreement.allow_partial_plate,
        "hotlist_alerts": agreement.hotlist_alerts,
        "permitted_offense_types": agreement.permitted_offense_types,
        "declaration_signed_by": agreement.declaration_signed_by,
        "declaration_signed_at": agreement.declaration_signed_at,
    }
    form = AgreementForm(
        request.POST or None, initial=initial, city=city, policy=city_policy_of(city), cameras=cameras
    )
    context = {"city": city, "form": form, "refusal": None, "agreement": agreement}
    if request.method != "POST":
        return render(request, "sharing/agreement_form.html", context)
    if not form.is_valid():
        return render(request, "sharing/agreement_form.html", context, status=400)
    data = form.cleaned_data
    try:
        services.agreement_edit(
            agreement=agreement,
            by=request.user,
            partner_agency=data["partner_agency"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            all_cameras=data["all_cameras"],
            cameras=list(data["cameras"]),
            allow_partial_plate=data["allow_partial_plate"],
            hotlist_alerts=data["hotlist_alerts"],
            permitted_offense_types=data["permitted_offense_types"],
            declaration_signed_by=data["declaration_signed_by"],
            declaration_signed_at=data["declaration_signed_at"],
            request=request,
        )
    except services.PolicyRefusal as refusal:
        context["refusal"] = refusal.decision
        return render(request, "sharing/agreement_form.html", context, status=403)
    except ValidationError as error:
        _form_errors(form, error)
        return render(request, "sharing/agreement_form.html", context, status=400)
    messages.success(request, "Draft saved.")
    return detail


@access(CITY_STAFF)
def agreement_detail(request: CityRequest, city_slug: str, public_id: uuid.UUID) -> HttpResponse:
    """The agreement: its readers by role (clerks, auditors, the chief), or staff assigned to edit
    this draft; clerks and the chief assign those editors here."""
    city = request.city
    agreement = get_agreement_for_city(city=city, public_id=public_id)
    user = request.user
    if user.role not in AGREEMENT_READER_ROLES and not holds(user, agreement, EDIT_AGREEMENT_DRAFT):
        refusal_record(city=city, rule=RULE_NOT_DRAFT_EDITOR, via="web", status=403, request=request)
        return HttpResponseForbidden("Only the agreement's readers and this draft's assigned editors see it.")
    editors = draft_editors(agreement=agreement)
    assigns = user.role in AGREEMENT_EDITOR_ROLES and agreement.state == AgreementState.DRAFT
    return render(
        request,
        "sharing/agreement_detail.html",
        {
            "city": city,
            "agreement": agreement,
            "cameras": agreement.cameras.order_by("name") if not agreement.all_cameras else None,
            "states": AgreementState,
            "form": TransitionForm(),
            "may_edit": may_edit_draft(user=user, agreement=agreement),
            "editors": editors,
            "can_assign": assigns,
            "assignable": [
                staff
                for staff in User.objects.filter(city=city, is_active=True).order_by("username")
                if staff not in editors and staff.role not in AGREEMENT_EDITOR_ROLES
            ]
            if assigns
            else [],
        },
    )


@access(AGREEMENT_EDITORS)
@require_POST
def agreement_editor_add(request: CityRequest, city_slug: str, public_id: uuid.UUID) -> HttpResponse:
    agreement = get_agreement_for_city(city=request.city, public_id=public_id)
    staff = _staff_member(request.city, request.POST.get("user", ""))
    try:
        if services.agreement_draft_editor_grant(
            agreement=agreement, user=staff, by=request.user, request=request
        ):
            messages.success(request, f"{staff.get_username()} may now edit this draft.")
    except services.AgreementStateError as error:
        return _agreement_refused(request, agreement, 409, str(error))
    return redirect("sharing:agreement_detail", city_slug=city_slug, public_id=agreement.public_id)


@access(AGREEMENT_EDITORS)
@require_POST
def agreement_editor_remove(
    request: CityRequest, city_slug: str, public_id: uuid.UUID, user_id: uuid.UUID
) -> HttpResponse:
    agreement = get_agreement_for_city(city=request.city, public_id=public_id)
    staff = _staff_member(request.city, user_id)
    if services.agreement_draft_editor_revoke(
        agreement=agreement, user=staff, by=request.user, request=request
    ):
        messages.success(request, f"{staff.get_username()} no longer edits this draft.")
    return redirect("sharing:agreement_detail", city_slug=city_slug, public_id=agreement.public_id)


def _agreement_refused(
    request: CityRequest, agreement: SharingAgreement, status: int, message: str
) -> HttpResponse:
    """A refused action on an agreement: its 4xx page, with the way back to the agreement."""
    back = reverse(
        "sharing:agreement_detail", kwargs={"city_slug": request.city.slug, "public_id": agreement.public_id}
    )
    return refused_action(
        request, status=status, message=message, back_url=back, back_label="Back to the agreement"
    )


def _transition_view(
    service: Callable[..., object], rule: Rule, *, reason_required: bool = False, success: str
) -> Callable[..., HttpResponse]:
    """A POST-only view that runs one agreement transition service."""

    @access(rule)
    @require_POST
    def view(request: CityRequest, city_slug: str, public_id: uuid.UUID) -> HttpResponse:
        city = request.city
        agreement = get_agreement_for_city(city=city, public_id=public_id)
        form = TransitionForm(request.POST, reason_required=reason_required)
        if not form.is_valid():
            return _agreement_refused(request, agreement, 400, "Give the reason.")
        kwargs = {"reason": form.cleaned_data["reason"]} if reason_required else {}
        try:
            service(agreement=agreement, by=request.user, request=request, **kwargs)
        except services.PolicyRefusal as refusal:
            message = f"Refused by the city's policy ({refusal.decision.rule}): {refusal.decision.message}"
            return _agreement_refused(request, agreement, 403, message)
        except services.AgreementStateError as error:
            return _agreement_refused(request, agreement, 409, str(error))
        messages.success(request, success)
        return redirect("sharing:agreement_detail", city_slug=city.slug, public_id=agreement.public_id)

    view.__name__ = service.__name__
    return view


agreement_submit = _transition_view(
    services.agreement_submit, AGREEMENT_EDITORS, success="Submitted for the chief's approval."
)
agreement_send_back = _transition_view(
    services.agreement_send_back, CHIEF, reason_required=True, success="Sent back to draft."
)
agreement_approve = _transition_view(
    services.agreement_approve, CHIEF, success="Approved: the agreement is active."
)
agreement_suspend = _transition_view(
    services.agreement_suspend, CHIEF, reason_required=True, success="Suspended."
)
agreement_reinstate = _transition_view(
    services.agreement_reinstate, CHIEF, success="Reinstated: the agreement is active again."
)
agreement_revoke = _transition_view(
    services.agreement_revoke, CHIEF, reason_required=True, success="Revoked."
)


# ----------------------------------------------------------------------------------------------
# City policy
# ----------------------------------------------------------------------------------------------


@access(CHIEF)
def policy_edit(request: CityRequest, city_slug: str) -> HttpResponse:
    """The chief edits the city's policy; every changed value is an audit entry (old and new)."""
    city = request.city
    policy = city_policy_of(city)
    form = CityPolicyForm(request.POST or None, initial=policy.values())
    context = {"city": city, "form": form, "policy": policy}
    if request.method != "POST":
        return render(request, "sharing/policy.html", context)
    if not form.is_valid():
        return render(request, "sharing/policy.html", context, status=400)
    try:
        services.city_policy_update(
            city=city,
            by=request.user,
            values={name: form.cleaned_data[name] for name in EDITABLE_POLICY_FIELDS},
            request=request,
        )
    except ValidationError as error:
        _form_errors(form, error)
        return render(request, "sharing/policy.html", context, status=400)
    messages.success(request, "Policy saved. Each change is in the audit log.")
    return redirect("sharing:policy", city_slug=city.slug)


# ----------------------------------------------------------------------------------------------
# Revocation cases
# ----------------------------------------------------------------------------------------------

CASE_READERS = city_roles(*CASE_READER_ROLES)
CASE_OPENERS = city_roles(*CASE_OPENER_ROLES)


def _public_id_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@access(CASE_READERS)
def revocation_list(request: CityRequest, city_slug: str) -> HttpResponse:
    city = request.city
    state = request.GET.get("state", "")
    grounds = request.GET.get("grounds", "")
    state = state if state in RevocationState.values else ""
    grounds = grounds if grounds in RevocationGrounds.values else ""
    if wants_csv(request):
        cases = revocation_cases_of(city=city, state=state, grounds=grounds)
        header = ["case", "agency", "grounds", "state", "opened_at", "opened_by", "decided_at", "decided_by"]
        rows = (
            (
                case.reference,
                case.agency.name,
                case.get_grounds_display(),
                case.get_state_display(),
                case.opened_at.isoformat(),
                case.opened_by.get_username() if case.opened_by_id else "",
                case.decided_at.isoformat() if case.decided_at else "",
                case.decided_by.get_username() if case.decided_by else "",
            )
            for case in cases
        )
        filters = {"state": state, "grounds": grounds}
        return csv_response(
            request, name="revocation-cases", header=header, rows=rows, city=city, filters=filters
        )
    return render(
        request,
        "sharing/revocation_list.html",
        {
            "city": city,
            "cases": revocation_cases_of(city=city, state=state, grounds=grounds),
            "states": RevocationState.choices,
            "grounds_choices": RevocationGrounds.choices,
            "state": state,
            "grounds": grounds,
            "blocks": permanent_blocks_of(city=city),
        },
    )


@access(CASE_OPENERS)
def revocation_new(request: CityRequest, city_slug: str) -> HttpResponse:
    """Open a case (a clerk or an auditor). ``?agency=<id>`` (and ``&search=<id>`` / ``&event=<id>``
    from a finding) offers that agency's audit entries and searches as evidence, preselected."""
    city = request.city
    agency_id = _public_id_or_none(request.POST.get("agency") or request.GET.get("agency"))
    agency = Agency.objects.filter(public_id=agency_id).first() if agency_id else None
    events = searches = None
    if agency is not None:
        candidate_events, candidate_searches = revocation_evidence_candidates(city=city, agency=agency)
        events, searches = list(candidate_events), list(candidate_searches)
    initial = {
        "agency": agency.public_id if agency else None,
        "evidence_searches": request.GET.getlist("search"),
        "evidence_events": request.GET.getlist("event"),
    }
    bound = request.method == "POST" and "summary" in request.POST
    form = RevocationCaseForm(
        request.POST if bound else None, city=city, events=events, searches=searches, initial=initial
    )
    context = {"city": city, "form": form, "agency": agency}
    if not bound:
        return render(request, "sharing/revocation_form.html", context)
    if not form.is_valid():
        return render(request, "sharing/revocation_form.html", context, status=400)
    data = form.cleaned_data
    try:
        case = services.revocation_open(
            city=city,
            agency=data["agency"],
            grounds=data["grounds"],
            by=request.user,
            summary=data["summary"],
            evidence_events=list(data["evidence_events"]),
            evidence_searches=list(data["evidence_searches"]),
            request=request,
        )
    except ValidationError as error:
        _form_errors(form, error)
        return render(request, "sharing/revocation_form.html", context, status=400)
    messages.success(request, "Case opened. The chief decides it.")
    return redirect("sharing:revocation_detail", city_slug=city.slug, public_id=case.public_id)


RULE_NOT_INVESTIGATOR = "object.not_case_investigator"


@access(CITY_STAFF)
def revocation_detail(request: CityRequest, city_slug: str, public_id: uuid.UUID) -> HttpResponse:
    """The case: its readers by role (clerks, auditors, the chief), or staff assigned to investigate it."""
    city = request.city
    case = get_revocation_case_for_city(city=city, public_id=public_id)
    user = request.user
    if user.role not in CASE_READER_ROLES and not holds(user, case, INVESTIGATE_CASE):
        refusal_record(city=city, rule=RULE_NOT_INVESTIGATOR, via="web", status=403, request=request)
        return HttpResponseForbidden("Only the case's readers and assigned investigators see it.")
    investigators = holders_of(case, INVESTIGATE_CASE)
    assigns = user.role in CASE_READER_ROLES
    return render(
        request,
        "sharing/revocation_detail.html",
        {
            "city": city,
            "case": case,
            "events": case.evidence_events.order_by("sequence"),
            "searches": case.evidence_searches.order_by("-searched_at"),
            "history": revocation_case_history(case=case),
            "agreements": agreements_of_agency_and_units(city=city, agency=case.agency).select_related(
                "partner_agency"
            ),
            "states": RevocationState,
            "form": RevocationDecisionForm(),
            "investigators": investigators,
            "can_assign": assigns,
            "assignable": [
                staff
                for staff in User.objects.filter(city=city, is_active=True).order_by("username")
                if staff not in investigators and staff.role not in CASE_READER_ROLES
            ]
            if assigns
            else [],
        },
    )


def _staff_member(city: City, public_id: object) -> User:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as error:
        raise Http404("No such person.") from error
    staff = User.objects.filter(city=city, is_active=True, public_id=key).first()
    if staff is None:
        raise Http404("No such person.")
    return staff


@access(CASE_READERS)
@require_POST
def revocation_investigator_add(request: CityRequest, city_slug: str, public_id: uuid.UUID) -> HttpResponse:
    case = get_revocation_case_for_city(city=request.city, public_id=public_id)
    staff = _staff_member(request.city, request.POST.get("user", ""))
    if services.revocation_investigator_assign(case=case, user=staff, by=request.user, request=request):
        messages.success(request, f"{staff.get_username()} now investigates this case.")
    return redirect("sharing:revocation_detail", city_slug=city_slug, public_id=case.public_id)


@access(CASE_READERS)
@require_POST
def revocation_investigator_remove(
    request: CityRequest, city_slug: str, public_id: uuid.UUID, user_id: uuid.UUID
) -> HttpResponse:
    case = get_revocation_case_for_city(city=request.city, public_id=public_id)
    staff = _staff_member(request.city, user_id)
    if services.revocation_investigator_unassign(case=case, user=staff, by=request.user, request=request):
        messages.success(request, f"{staff.get_username()} no longer investigates this case.")
    return redirect("sharing:revocation_detail", city_slug=city_slug, public_id=case.public_id)


def _case_transition_view(
    service: Callable[..., object], *, success: str, needs_confirmation: bool = False
) -> Callable[..., HttpResponse]:
    """A POST-only view for the chief that runs one revocation case transition service.

    ``needs_confirmation``: the action cannot be undone, so the form must carry ``confirm=yes`` (a
    box the chief ticks after reading what will happen); without it nothing is changed.
    """

    @access(CHIEF)
    @require_POST
    def view(request: CityRequest, city_slug: str, public_id: uuid.UUID) -> HttpResponse:
        city = request.city
        case = get_revocation_case_for_city(city=city, public_id=public_id)
        form = RevocationDecisionForm(request.POST)
        back = reverse(
            "sharing:revocation_detail", kwargs={"city_slug": city.slug, "public_id": case.public_id}
        )

        def refused(status: int, message: str) -> HttpResponse:
            return refused_action(
                request, status=status, message=message, back_url=back, back_label="Back to the case"
            )

        rationale = form.cleaned_data["rationale"] if form.is_valid() else ""
        if needs_confirmation and request.POST.get("confirm") != "yes":
            return refused(
                400, "Nothing was changed: tick the box to confirm that you understand this cannot be undone."
            )
        try:
            service(case=case, by=request.user, rationale=rationale, request=request)
        except ValidationError as error:
            return refused(400, " ".join(error.messages))
        except services.RevocationStateError as error:
            return refused(409, str(error))
        messages.success(request, success)
        return redirect(back)

    view.__name__ = service.__name__
    return view


revocation_start_review = _case_transition_view(services.revocation_start_review, success="Review started.")
revocation_suspend = _case_transition_view(
    services.revocation_suspend, success="Suspended: every agreement with the agency has ended for now."
)
revocation_revoke = _case_transition_view(
    services.revocation_revoke, success="Revoked. The agency has been notified.", needs_confirmation=True
)
revocation_dismiss = _case_transition_view(services.revocation_dismiss, success="Dismissed.")
