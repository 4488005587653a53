"""Sharing pages under /c/<city_slug>/ (search, lookup, agreements, policy)."""

from django.urls import path

from sharing import views, views_holds

app_name = "sharing"

urlpatterns = [
    path("search/", views.search, name="search"),
    path(
        "searches/<uuid:search_id>/reads/<uuid:read_id>/crop.jpg",
        views.search_read_crop,
        name="search_read_crop",
    ),
    path("lookup/", views.lookup, name="lookup"),
    path("holds/", views_holds.hold_list, name="hold_list"),
    path("holds/<uuid:hold_id>/", views_holds.hold_detail, name="hold_detail"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_new, name="agreement_new"),
    path("agreements/<uuid:public_id>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<uuid:public_id>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<uuid:public_id>/editors/", views.agreement_editor_add, name="agreement_editor_add"),
    path(
        "agreements/<uuid:public_id>/editors/<uuid:user_id>/remove/",
        views.agreement_editor_remove,
        name="agreement_editor_remove",
    ),
    path("agreements/<uuid:public_id>/submit/", views.agreement_submit, name="agreement_submit"),
    path("agreements/<uuid:public_id>/send-back/", views.agreement_send_back, name="agreement_send_back"),
    path("agreements/<uuid:public_id>/approve/", views.agreement_approve, name="agreement_approve"),
    path("agreements/<uuid:public_id>/suspend/", views.agreement_suspend, name="agreement_suspend"),
    path("agreements/<uuid:public_id>/reinstate/", views.agreement_reinstate, name="agreement_reinstate"),
    path("agreements/<uuid:public_id>/revoke/", views.agreement_revoke, name="agreement_revoke"),
    path("policy/", views.policy_edit, name="policy"),
    path("revocations/", views.revocation_list, name="revocation_list"),
    path("revocations/new/", views.revocation_new, name="revocation_new"),
    path("revocations/<uuid:public_id>/", views.revocation_detail, name="revocation_detail"),
    path(
        "revocations/<uuid:public_id>/review/", views.revocation_start_review, name="revocation_start_review"
    ),
    path("revocations/<uuid:public_id>/suspend/", views.revocation_suspend, name="revocation_suspend"),
    path("revocations/<uuid:public_id>/revoke/", views.revocation_revoke, name="revocation_revoke"),
    path("revocations/<uuid:public_id>/dismiss/", views.revocation_dismiss, name="revocation_dismiss"),
    path(
        "revocations/<uuid:public_id>/investigators/",
        views.revocation_investigator_add,
        name="revocation_investigator_add",
    ),
    path(
        "revocations/<uuid:public_id>/investigators/<uuid:user_id>/remove/",
        views.revocation_investigator_remove,
        name="revocation_investigator_remove",
    ),
]
