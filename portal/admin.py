from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import Agency, City, User


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "slug", "policy_preset", "retention_days"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "state", "parent", "immigration_enforcement", "participates_287g"]
    list_filter = ["kind", "immigration_enforcement"]
    search_fields = ["name"]


@admin.register(User)
class StewardUserAdmin(UserAdmin):
    list_display = ["username", "city", "agency", "role", "is_active"]
    list_filter = ["city", "role", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("Steward", {"fields": ["city", "agency", "role"]}),)
