from django import forms

from cameras.models import Camera, Disposition, HotlistSource, Priority
from portal.validation import SaneDateTimeField


class CameraForm(forms.ModelForm):
    class Meta:
        model = Camera
        fields = ["name", "latitude", "longitude", "heading"]

    def __init__(self, *args, city, **kwargs):
        super().__init__(*args, **kwargs)
        self.city = city

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Camera.all_cities.filter(city=self.city, name__iexact=name).exists():
            raise forms.ValidationError("This city already has a camera with that name.")
        return name


class HotlistForm(forms.Form):
    name = forms.CharField(max_length=120)
    source = forms.ChoiceField(choices=HotlistSource.choices)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    expires_at = SaneDateTimeField(required=False, help_text="Leave empty for no expiry.")
    alert_dispatchers = forms.BooleanField(required=False, initial=True)
    share_alerts_with_partners = forms.BooleanField(required=False)


class HotlistEntryForm(forms.Form):
    plate = forms.CharField(max_length=16)
    state = forms.CharField(max_length=2, required=False)
    reason = forms.CharField(max_length=200)
    expires_at = SaneDateTimeField(required=False)


class HotlistImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns plate, state, reason, expires (YYYY-MM-DD, optional).")


class DispositionForm(forms.Form):
    disposition = forms.ChoiceField(choices=Disposition.choices, widget=forms.RadioSelect)
    action_taken = forms.CharField(
        max_length=300, required=False, help_text="Required when you confirm a hit."
    )


class CameraHealthSettingsForm(forms.Form):
    expected_gap_minutes = forms.IntegerField(
        min_value=1,
        max_value=7 * 24 * 60,
        label="Expected gap (minutes)",
        help_text="The camera is silent when neither a read nor a heartbeat arrived for this long.",
    )
    email_clerks_when_silent = forms.BooleanField(
        required=False, label="Email the clerks when it goes silent"
    )
