"""Camera API under /api/v1/c/<city_slug>/."""

urlpatterns: list = []
