"""HTML forms of sharing pages: search, lookup, agreements, the city policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django import forms
from django.db.models import QuerySet

from audits.models import AuditEvent
from cameras.models import Camera
from portal.models import Agency, City
from portal.validation import SaneDateField, SaneDateTimeField
from sharing.models import CityPolicy, RevocationGrounds, Search
from sharing.policy.offenses import OFFENSE_TYPES
from sharing.policy.types import PROHIBITED_PURPOSES
from sharing.selectors import ReadQuery, normalize_plate

OFFENSE_CHOICES = [(code, offense.label) for code, offense in OFFENSE_TYPES.items()]
PURPOSE_LABELS = {
    "civil_immigration_enforcement": "Civil immigration enforcement",
    "reproductive_health_care": "Investigating reproductive or gender-affirming health care",
    "first_amendment_activity": "Tracking protected First Amendment activity (protests, worship)",
}
PURPOSE_CHOICES = [(code, PURPOSE_LABELS.get(code, code)) for code in sorted(PROHIBITED_PURPOSES)]

_Field = TypeVar("_Field", bound=forms.Field)


def field_of(form: forms.BaseForm, name: str, kind: type[_Field]) -> _Field:
    """``form.fields[name]`` as the kind of field it was declared as (to set its queryset, choices)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"


class PurposeForm(forms.Form):
    """Why: reason, offense type and case number. Left to the policy engine to judge (and record)."""

    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The specific incident: what happened, where, when.",
    )
    offense_type = forms.ChoiceField(required=False, choices=[("", "Choose…"), *OFFENSE_CHOICES])
    case_number = forms.CharField(required=False, max_length=64, label="Case or incident number")
    plate = forms.CharField(max_length=16, help_text="Letters and digits; spaces and dashes are ignored.")

    def __init__(self, *args: Any, offense_codes: Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if offense_codes is not None:
            # Offer only what this searcher may choose. Any code still validates, so a search sent
            # with another one reaches the policy engine and is refused there, with its audit entry.
            allowed = set(offense_codes)
            self.fields["offense_type"].widget.choices = [("", "Choose…")] + [
                choice for choice in OFFENSE_CHOICES if choice[0] in allowed
            ]

    def clean_plate(self) -> str:
        plate = normalize_plate(self.cleaned_data["plate"])
        if not plate:
            raise forms.ValidationError("Enter the plate's letters and digits.")
        return plate


class SearchForm(PurposeForm):
    partial = forms.BooleanField(required=False, label="Partial plate (the characters are part of the plate)")
    since = SaneDateTimeField(required=False, widget=DateTimeInput(), label="From (UTC)")
    until = SaneDateTimeField(required=False, widget=DateTimeInput(), label="Until (UTC)")
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every camera you may search.",
    )
    colour = forms.CharField(required=False, max_length=16, label="Vehicle colour")
    field_order = [
        "plate",
        "partial",
        "since",
        "until",
        "cameras",
        "colour",
        "reason",
        "offense_type",
        "case_number",
    ]

    fieldsets = [
        ("The plate", "", ["plate", "partial"]),
        ("Where and when", "Leave empty to search every camera you may search, over the whole retention window.", ["since", "until", "cameras", "colour"]),
        ("Why", "Required by the city's policy. Searches for prohibited purposes are refused and recorded.", ["reason", "offense_type", "case_number"]),
    ]  # fmt: skip

    def __init__(self, *args: Any, cameras: QuerySet[Camera], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "cameras", forms.ModelMultipleChoiceField).queryset = cameras

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the range must be after its start.")
        return data

    def to_query(self) -> ReadQuery:
        data = self.cleaned_data
        return ReadQuery(
            plate=data["plate"],
            partial=data["partial"],
            since=data["since"],
            until=data["until"],
            camera_ids=[camera.public_id for camera in data["cameras"]],
            colour=data["colour"],
        )


class LookupForm(PurposeForm):
    """A full-plate lookup across other cities (same time window rules as a search)."""

    def to_query(self) -> ReadQuery:
        return ReadQuery(plate=self.cleaned_data["plate"])


class AgreementForm(forms.Form):
    partner_agency = forms.ModelChoiceField(queryset=Agency.objects.none(), to_field_name="public_id")
    starts_on = SaneDateField(widget=DateInput())
    ends_on = SaneDateField(widget=DateInput())
    all_cameras = forms.BooleanField(required=False, initial=True, label="All of the city's cameras")
    cameras = forms.ModelMultipleChoiceField(
        queryset=Camera.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        help_text="Only when not sharing all cameras.",
    )
    allow_partial_plate = forms.BooleanField(required=False, label="Partial-plate searches allowed")
    hotlist_alerts = forms.BooleanField(required=False, label="Partner receives hotlist alerts")
    permitted_offense_types = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every offense type the city's policy permits.",
    )
    declaration_signed_by = forms.CharField(
        required=False,
        max_length=200,
        label="Declaration signed by (name, title)",
        help_text="The partner's signed declaration: no use for prohibited purposes, no onward sharing.",
    )
    declaration_signed_at = SaneDateTimeField(required=False, widget=DateTimeInput(), label="Signed at (UTC)")

    fieldsets = [
        ("Partner and dates", "", ["partner_agency", "starts_on", "ends_on"]),
        ("What the partner may search", "", ["all_cameras", "cameras", "allow_partial_plate", "hotlist_alerts"]),
        ("Offense types", "Only those the city's policy permits are offered.", ["permitted_offense_types"]),
        ("The partner's declaration", "", ["declaration_signed_by", "declaration_signed_at"]),
    ]  # fmt: skip

    def __init__(
        self, *args: Any, city: City, policy: CityPolicy, cameras: QuerySet[Camera], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.order_by("name")
        if city.own_agency_id is not None:
            agencies = agencies.exclude(pk=city.own_agency_id)
        field_of(self, "partner_agency", forms.ModelChoiceField).queryset = agencies
        field_of(self, "cameras", forms.ModelMultipleChoiceField).queryset = cameras
        permitted = set(policy.permitted_offense_types)
        field_of(self, "permitted_offense_types", forms.MultipleChoiceField).choices = [
            c for c in OFFENSE_CHOICES if c[0] in permitted
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The agreement must end on or after the day it starts.")
        if not data.get("all_cameras") and not data.get("cameras"):
            self.add_error("cameras", "Choose at least one camera, or share all cameras.")
        if bool((data.get("declaration_signed_by") or "").strip()) != bool(data.get("declaration_signed_at")):
            self.add_error(
                "declaration_signed_at", "Give both who signed the declaration and when, or neither."
            )
        return data


class TransitionForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


class CityPolicyForm(forms.Form):
    fieldsets = [
        ("Retention", "", ["retention_days"]),
        ("Prohibited purposes", "No search is allowed for these, whatever the reason says.", ["prohibited_purposes"]),
        ("Offense types", "Searches must name one of these.", ["permitted_offense_types"]),
        ("Sharing", "", ["allow_out_of_state_agencies", "allow_federal_agencies", "require_declaration_for_outside_agencies", "statewide_lookup_enabled", "national_lookup_enabled"]),
        ("What every search must give", "", ["require_case_number", "require_offense_type", "min_partial_plate_length"]),
    ]  # fmt: skip

    retention_days = forms.IntegerField(min_value=1, max_value=3650, label="Keep reads for (days)")
    prohibited_purposes = forms.MultipleChoiceField(
        required=False, choices=PURPOSE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    permitted_offense_types = forms.MultipleChoiceField(
        required=False,
        choices=OFFENSE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: any offense type.",
    )
    allow_out_of_state_agencies = forms.BooleanField(
        required=False, label="Agreements with out-of-state agencies"
    )
    allow_federal_agencies = forms.BooleanField(required=False, label="Agreements with federal agencies")
    require_declaration_for_outside_agencies = forms.BooleanField(
        required=False, label="Out-of-state and federal agencies must sign the declaration first"
    )
    statewide_lookup_enabled = forms.BooleanField(
        required=False, label="Offer statewide lookup (with other cities of the state that opt in)"
    )
    national_lookup_enabled = forms.BooleanField(
        required=False, label="Offer national lookup (with cities of other states that opt in)"
    )
    require_case_number = forms.BooleanField(required=False, label="Searches must give a case number")
    require_offense_type = forms.BooleanField(required=False, label="Searches must give an offense type")
    min_partial_plate_length = forms.IntegerField(
        min_value=1, max_value=16, label="Fewest known characters in a partial plate"
    )


class _AuditEntryChoices(forms.ModelMultipleChoiceField[AuditEvent]):
    def label_from_instance(self, obj: AuditEvent) -> str:
        return (
            f"{obj.occurred_at:%Y-%m-%d %H:%M} UTC · {obj.event_type} · {obj.actor_username} · {obj.outcome}"
        )


class _SearchChoices(forms.ModelMultipleChoiceField[Search]):
    def label_from_instance(self, obj: Search) -> str:
        return (
            f"{obj.searched_at:%Y-%m-%d %H:%M} UTC · {obj.username} · {obj.plate_query} · "
            f"{obj.offense_type} · {obj.reason[:80]} · {obj.outcome}"
        )


class RevocationCaseForm(forms.Form):
    """Open a case: the agency, the grounds, what the evidence shows, and the evidence itself (the
    city's audit entries and searches of that agency, offered once the agency is chosen)."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), to_field_name="public_id")
    grounds = forms.ChoiceField(choices=RevocationGrounds.choices)
    summary = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    evidence_events = _AuditEntryChoices(
        queryset=AuditEvent.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        label="Audit entries",
    )
    evidence_searches = _SearchChoices(
        queryset=Search.objects.none(),
        required=False,
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        label="Searches",
    )

    def __init__(
        self,
        *args: Any,
        city: City,
        events: Iterable[AuditEvent] | None = None,
        searches: Iterable[Search] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.order_by("name")
        if city.own_agency_id is not None:
            agencies = agencies.exclude(pk=city.own_agency_id)
        field_of(self, "agency", forms.ModelChoiceField).queryset = agencies
        if events is not None:
            evidence_events = field_of(self, "evidence_events", forms.ModelMultipleChoiceField)
            evidence_events.queryset = AuditEvent.objects.filter(
                pk__in=[event.pk for event in events]
            ).order_by("-sequence")
        if searches is not None:
            evidence_searches = field_of(self, "evidence_searches", forms.ModelMultipleChoiceField)
            evidence_searches.queryset = Search.all_cities.filter(
                pk__in=[search.pk for search in searches]
            ).order_by("-searched_at")


class RevocationDecisionForm(forms.Form):
    rationale = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="Rationale"
    )


class HoldDecisionForm(forms.Form):
    """A supervisor's decision on a held search. The reason is checked by the service (required)."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve: run the search"), ("refuse", "Refuse")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required: why this search may run, or why not. It is recorded with the search.",
    )
