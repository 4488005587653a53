"""Camera pages under /c/<city_slug>/."""

from django.urls import path

from cameras import views

urlpatterns = [
    path("cameras/", views.camera_list, name="camera_list"),
    path("cameras/new/", views.camera_create, name="camera_create"),
    path("cameras/<uuid:camera_id>/", views.camera_detail, name="camera_detail"),
    path("cameras/<uuid:camera_id>/key/rotate/", views.camera_key_rotate, name="camera_key_rotate"),
    path("cameras/<uuid:camera_id>/key/revoke/", views.camera_key_revoke, name="camera_key_revoke"),
    path("reads/<uuid:read_id>/crop.jpg", views.read_crop, name="read_crop"),
    path("frames/<uuid:frame_id>/image", views.frame_image, name="frame_image"),
]
