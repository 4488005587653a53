"""Camera API under /api/v1/c/<city_slug>/."""

from django.urls import path

from cameras import apis
from cameras.apis_devices import DEVICE_APIS

urlpatterns = [
    path("cameras/<uuid:camera_id>/frames/", apis.FrameUploadApi.as_view(), name="api_frame_upload"),
    path("cameras/<uuid:camera_id>/reads/", apis.ReadBatchApi.as_view(), name="api_read_batch"),
    path("hits/", apis.HitListApi.as_view(), name="api_hits"),
    path("hits/<uuid:hit_id>/disposition/", apis.HitDispositionApi.as_view(), name="api_hit_disposition"),
]

# Edge devices: one endpoint per format, with the key in a header or the secret in the URL.
for _format, _api in DEVICE_APIS.items():
    _name = "api_device_" + _format.replace("-", "_")
    urlpatterns += [
        path(f"cameras/<uuid:camera_id>/devices/{_format}/", _api.as_view(), name=_name),
        path(
            f"cameras/<uuid:camera_id>/devices/{_format}/<str:token>/", _api.as_view(), name=f"{_name}_token"
        ),
    ]
