from django.contrib import admin

from cameras.models import Camera


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "status"]
    list_filter = ["city", "status"]

    def get_queryset(self, request):
        return Camera.all_cities.select_related("city")
