from django import forms

from cameras.models import Camera


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
