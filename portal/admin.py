from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from portal.http import signed_in_user
from portal.models import Agency, City, User
from portal.services import SupervisorRefusal, agency_supervisor_set, user_access_changed


@admin.register(City)
class CityAdmin(admin.ModelAdmin[City]):
    list_display = ["name", "state", "slug", "policy_preset", "retention_days"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    list_display = ["name", "kind", "state", "parent", "immigration_enforcement", "participates_287g"]
    list_filter = ["kind", "immigration_enforcement"]
    search_fields = ["name"]


@admin.register(User)
class StewardUserAdmin(UserAdmin[User]):
    list_display = ["username", "city", "agency", "role", "supervises_agency", "is_active"]
    list_filter = ["city", "role", "supervises_agency", "is_active"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Steward", {"fields": ["city", "agency", "role", "supervises_agency"]}),
    )
    # Named or removed only through the actions below (an audited service), never by editing the form.
    readonly_fields = ["supervises_agency"]
    actions = ["name_agency_supervisor", "remove_agency_supervisor"]

    def _set_supervisor(self, request: HttpRequest, queryset: QuerySet[User], supervises: bool) -> None:
        changed = 0
        for user in queryset.select_related("agency"):
            try:
                changed += agency_supervisor_set(
                    user=user, supervises=supervises, by=signed_in_user(request), request=request
                )
            except SupervisorRefusal as refusal:
                self.message_user(request, f"{user.username}: {refusal}", messages.ERROR)
        self.message_user(request, f"{changed} user(s) changed.")

    @admin.action(description="Name as their agency's supervisor (decides held searches)")
    def name_agency_supervisor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_supervisor(request, queryset, True)

    @admin.action(description="Remove as their agency's supervisor")
    def remove_agency_supervisor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_supervisor(request, queryset, False)

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool) -> None:
        with transaction.atomic():
            before = User.objects.filter(pk=obj.pk).select_related("city").first() if change else None
            super().save_model(request, obj, form, change)
            if change:
                user_access_changed(
                    user=obj,
                    by=signed_in_user(request),
                    changed=form.changed_data,
                    before={"city": before.city if before else None},
                    request=request,
                )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.select_related("city").get(pk=id)
            user_access_changed(user=user, by=signed_in_user(request), changed=["password"], request=request)
        return response
