from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from audits import views as audit_views
from portal import mfa_views, public_views, views
from portal.apis import ApiSchemaView

city_patterns: list[URLPattern | URLResolver] = [
    path("", views.city_home, name="city_home"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("staff/", mfa_views.staff_list, name="staff_list"),
    path("staff/<uuid:user_id>/mfa-reset/", mfa_views.staff_mfa_reset, name="staff_mfa_reset"),
    path("", include("audits.reviews.urls")),
    path("", include("cameras.urls")),
    path("", include("sharing.urls")),
]

api_patterns: list[URLPattern | URLResolver] = [
    path("c/<slug:city_slug>/", include("cameras.api_urls")),
    path("", include("sharing.api_urls")),
    path("schema/", ApiSchemaView.as_view(), name="api_schema"),
    path("public/<slug:city_slug>/", public_views.CityOpenDataApi.as_view(), name="api_city_open_data"),
]

urlpatterns = [
    path("", views.city_index, name="city_index"),
    path("home/", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/mfa/", mfa_views.mfa_status, name="mfa_status"),
    path("accounts/mfa/enrol/", mfa_views.mfa_enrol, name="mfa_enrol"),
    path("accounts/mfa/enrol/qr.svg", mfa_views.mfa_enrol_qr, name="mfa_enrol_qr"),
    path("accounts/mfa/verify/", mfa_views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/recovery-codes/", mfa_views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("healthz", views.healthz, name="healthz"),
    path("p/<slug:city_slug>/", public_views.city_public, name="city_public"),
    path("p/<slug:city_slug>/<slug:table>.csv", public_views.city_public_csv, name="city_public_csv"),
    path("p/<slug:city_slug>/", include("audits.public_urls")),
    path("c/<slug:city_slug>/", include(city_patterns)),
    path("api/v1/", include(api_patterns)),
    path("admin/", admin.site.urls),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.forbidden"
handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"
