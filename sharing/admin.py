"""Admin: read-only views across cities (changes go through the services, which audit them)."""

from django.contrib import admin

from sharing.models import CityPolicy, Search, SharingAgreement


class ReadOnlyAcrossCities(admin.ModelAdmin):
    def get_queryset(self, request):
        return self.model.all_cities.all()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CityPolicy)
class CityPolicyAdmin(ReadOnlyAcrossCities):
    list_display = ["city", "preset", "retention_days", "statewide_lookup_enabled", "updated_at"]


@admin.register(SharingAgreement)
class SharingAgreementAdmin(ReadOnlyAcrossCities):
    list_display = ["public_id", "city", "partner_agency", "state", "starts_on", "ends_on"]
    list_filter = ["state"]


@admin.register(Search)
class SearchAdmin(ReadOnlyAcrossCities):
    list_display = ["searched_at", "city", "username", "agency_name", "outcome", "rule", "result_count"]
    list_filter = ["outcome", "scope"]
