"""Camera pages under /c/<city_slug>/."""

from django.urls import path

from cameras import views, views_edge

urlpatterns = [
    path("cameras/", views.camera_list, name="camera_list"),
    path("cameras/new/", views.camera_create, name="camera_create"),
    path("cameras/<uuid:camera_id>/", views.camera_detail, name="camera_detail"),
    path("cameras/<uuid:camera_id>/key/rotate/", views.camera_key_rotate, name="camera_key_rotate"),
    path("cameras/<uuid:camera_id>/key/revoke/", views.camera_key_revoke, name="camera_key_revoke"),
    path("cameras/<uuid:camera_id>/retire/", views.camera_retire, name="camera_retire"),
    path(
        "cameras/<uuid:camera_id>/webhook/issue/",
        views_edge.camera_webhook_issue,
        name="camera_webhook_issue",
    ),
    path(
        "cameras/<uuid:camera_id>/webhook/revoke/",
        views_edge.camera_webhook_revoke,
        name="camera_webhook_revoke",
    ),
    path(
        "cameras/<uuid:camera_id>/health/", views_edge.camera_health_settings, name="camera_health_settings"
    ),
    path("reads/<uuid:read_id>/crop.jpg", views.read_crop, name="read_crop"),
    path("frames/<uuid:frame_id>/image", views.frame_image, name="frame_image"),
    path("hotlists/", views.hotlist_list, name="hotlist_list"),
    path("hotlists/new/", views.hotlist_create, name="hotlist_create"),
    path("hotlists/<uuid:hotlist_id>/", views.hotlist_detail, name="hotlist_detail"),
    path("hotlists/<uuid:hotlist_id>/entries/", views.hotlist_entry_add, name="hotlist_entry_add"),
    path("hotlists/<uuid:hotlist_id>/import/", views.hotlist_import, name="hotlist_import"),
    path("hotlists/<uuid:hotlist_id>/managers/", views.hotlist_manager_add, name="hotlist_manager_add"),
    path(
        "hotlists/<uuid:hotlist_id>/managers/<uuid:user_id>/remove/",
        views.hotlist_manager_remove,
        name="hotlist_manager_remove",
    ),
    path("hits/", views.hit_board, name="hit_board"),
    path("hits/<uuid:hit_id>/", views.hit_detail, name="hit_detail"),
]
