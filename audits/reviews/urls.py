"""Review pages under /c/<city_slug>/."""

from django.urls import path

from audits.reviews import views

urlpatterns = [
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/operations/", views.operation_list, name="operation_list"),
    path("reviews/<uuid:public_id>/", views.review_detail, name="review_detail"),
    path("reviews/<uuid:public_id>/progress.json", views.review_progress, name="review_progress"),
    path("reviews/<uuid:public_id>/review.csv", views.review_csv, name="review_csv"),
    path("reviews/<uuid:public_id>/review.pdf", views.review_pdf_view, name="review_pdf"),
    path("reviews/<uuid:public_id>/sign/", views.review_sign, name="review_sign"),
    path(
        "reviews/<uuid:public_id>/findings/<uuid:finding_id>/mark/", views.finding_mark, name="finding_mark"
    ),
    path(
        "reviews/<uuid:public_id>/findings/<uuid:finding_id>/revoke/",
        views.finding_revoke,
        name="finding_revoke",
    ),
]
