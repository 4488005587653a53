"""Camera pages under /c/<city_slug>/."""

urlpatterns: list = []
