"""Sharing API under /api/v1/."""

from django.urls import path

from sharing import apis

app_name = "sharing_api"

urlpatterns = [
    path("c/<slug:city_slug>/searches/", apis.SearchCreateApi.as_view(), name="search_create"),
]
