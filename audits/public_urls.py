from django.urls import path

from audits import public_views

urlpatterns = [
    path("checkpoints.json", public_views.checkpoints_json, name="public_checkpoints"),
    path("report/<int:year>/", public_views.report_page, name="public_report"),
    path("report/<int:year>/report.pdf", public_views.report_pdf, name="public_report_pdf"),
]
