"""Camera API under /api/v1/c/<city_slug>/."""

from django.urls import path

from cameras import apis

urlpatterns = [
    path("cameras/<uuid:camera_id>/frames/", apis.FrameUploadApi.as_view(), name="api_frame_upload"),
    path("cameras/<uuid:camera_id>/reads/", apis.ReadBatchApi.as_view(), name="api_read_batch"),
    path("hits/", apis.HitListApi.as_view(), name="api_hits"),
    path("hits/<uuid:hit_id>/disposition/", apis.HitDispositionApi.as_view(), name="api_hit_disposition"),
]
