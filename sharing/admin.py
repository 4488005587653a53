"""Admin: read-only views across cities (changes go through the services, which audit them)."""

from django.contrib import admin

from sharing.models import CityPolicy, PermanentBlock, RevocationCase, Search, SearchHold, SharingAgreement


class ReadOnlyAcrossCities(admin.ModelAdmin):
    def get_queryset(self, request):
        return self.model.all_cities.all()

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Every field is shown read-only, so no form field queries a city-owned model (whose
        # default manager fails closed without a scope).
        return [field.name for field in self.model._meta.fields]

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


@admin.register(SearchHold)
class SearchHoldAdmin(ReadOnlyAcrossCities):
    """Read-only: a hold is decided by its named supervisor on the city's pages (audited)."""

    list_display = ["created_at", "city", "search", "supervisor", "state", "expires_at", "decided_by"]
    list_filter = ["state", "supervisor"]


@admin.register(RevocationCase)
class RevocationCaseAdmin(ReadOnlyAcrossCities):
    list_display = ["public_id", "city", "agency", "grounds", "state", "opened_at", "decided_at"]
    list_filter = ["state", "grounds"]
    exclude = ["evidence_events", "evidence_searches"]  # shown on the city's case page


@admin.register(PermanentBlock)
class PermanentBlockAdmin(ReadOnlyAcrossCities):
    """Read-only: a permanent block is never lifted (the database refuses UPDATE and DELETE too)."""

    list_display = ["agency_name", "city", "case", "created_at"]
