"""Sharing pages under /c/<city_slug>/ (agreements, search)."""

urlpatterns: list = []
