"""Admin: read-only views across cities (changes go through the services, which audit them)."""

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sharing.models import CityPolicy, PermanentBlock, RevocationCase, Search, SearchHold, SharingAgreement


class ReadOnlyAcrossCities(admin.ModelAdmin[Any]):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        every_city: QuerySet[Any] = self.model.all_cities.all()  # each model here is a CityOwnedModel
        return every_city

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        # Every field is shown read-only, so no form field queries a city-owned model (whose
        # default manager fails closed without a scope).
        return [field.name for field in self.model._meta.fields]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
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
