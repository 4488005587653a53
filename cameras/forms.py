from django import forms

from cameras.models import Camera, Disposition, HitStatus, Hotlist, HotlistSource, Priority


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
    expires_at = forms.DateTimeField(required=False, help_text="Leave empty for no expiry.")
    alert_dispatchers = forms.BooleanField(required=False, initial=True)
    share_alerts_with_partners = forms.BooleanField(required=False)


class HotlistEntryForm(forms.Form):
    plate = forms.CharField(max_length=16)
    state = forms.CharField(max_length=2, required=False)
    reason = forms.CharField(max_length=200)
    expires_at = forms.DateTimeField(required=False)


class HotlistImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns plate, state, reason, expires (YYYY-MM-DD, optional).")


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
