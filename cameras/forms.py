from django import forms

from cameras.jurisdictions import JURISDICTIONS
from cameras.models import Camera, Disposition, HitStatus, Hotlist, HotlistSource, Priority
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


DATETIME_PICKER = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
STATE_CHOICES = [("", "Any state (not given)")] + [
    (code, f"{name} ({code})") for code, name in sorted(JURISDICTIONS.items(), key=lambda item: item[1])
]


class HotlistForm(forms.Form):
    name = forms.CharField(max_length=120)
    source = forms.ChoiceField(choices=HotlistSource.choices, help_text="Where the list comes from.")
    priority = forms.TypedChoiceField(
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
        help_text="High and urgent hits sound a longer alarm.",
    )
    expires_at = SaneDateTimeField(
        required=False,
        label="Expires",
        widget=DATETIME_PICKER,
        input_formats=DATETIME_FORMATS,
        help_text="Leave empty for no expiry. Times are UTC.",
    )
    alert_dispatchers = forms.BooleanField(required=False, initial=True, label="Alert dispatchers on a hit")
    share_alerts_with_partners = forms.BooleanField(
        required=False,
        label="Send hits to partner agencies",
        help_text="Only to partners whose agreement includes hotlist alerts.",
    )


class HotlistEntryForm(forms.Form):
    plate = forms.CharField(max_length=16, help_text="Letters and digits; spaces and dashes are ignored.")
    state = forms.ChoiceField(choices=STATE_CHOICES, required=False, label="State or province")
    reason = forms.CharField(max_length=200, help_text="What the vehicle is wanted for.")
    expires_at = SaneDateTimeField(
        required=False,
        label="Expires",
        widget=DATETIME_PICKER,
        input_formats=DATETIME_FORMATS,
        help_text="Optional. Times are UTC.",
    )


class HotlistImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Columns plate, state, reason, expires. State is a two-letter code (WA, OR, BC); "
            "expires is optional, as YYYY-MM-DD. Each rejected row is listed with the reason."
        ),
    )


class DispositionForm(forms.Form):
    disposition = forms.ChoiceField(choices=Disposition.choices, widget=forms.RadioSelect)
    action_taken = forms.CharField(
        max_length=300, required=False, help_text="Required when you confirm a hit."
    )


class HitFilterForm(forms.Form):
    """Filters of the hit history. Choices come from the city in scope."""

    status = forms.ChoiceField(required=False, choices=[("", "Any")] + list(HitStatus.choices))
    disposition = forms.ChoiceField(
        required=False, choices=[("", "Any")] + list(Disposition.choices), label="Outcome"
    )
    hotlist = forms.ModelChoiceField(required=False, queryset=Hotlist.objects.none(), empty_label="Any")
    camera = forms.ModelChoiceField(required=False, queryset=Camera.objects.none(), empty_label="Any")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotlist"].queryset = Hotlist.objects.order_by("name")
        self.fields["hotlist"].to_field_name = "public_id"
        self.fields["camera"].queryset = Camera.objects.order_by("name")
        self.fields["camera"].to_field_name = "public_id"

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("The 'From' date must be on or before the 'To' date.")
        return data


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
