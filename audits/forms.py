from django import forms

from audits.models import Outcome


class AuditFilterForm(forms.Form):
    event_type = forms.CharField(required=False, max_length=64, label="Event type starts with")
    outcome = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Outcome.choices))
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("'Since' must be on or before 'until'.")
        return data
