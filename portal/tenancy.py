"""City scoping: every city-owned row is reached through the city it belongs to.

A request, task or socket sets the scope once at its entry point (``city_scope``) and the default
manager of every city-owned model filters on it. Without a scope that manager raises instead of
returning every city's rows: a forgotten filter fails closed, loudly, in development and tests.
``all_cities`` is the explicitly named way across cities, for admin, migrations and jobs that
iterate over cities one by one.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve

from portal.rls import SystemManager

if TYPE_CHECKING:
    from portal.http import ScopedRequest
    from portal.models import City

_current_city: contextvars.ContextVar[City | None] = contextvars.ContextVar("steward_city", default=None)


class CityScopeError(RuntimeError):
    """A city-owned model was queried with no city scope set."""


def current_city() -> City | None:
    return _current_city.get()


def require_city() -> City:
    city = _current_city.get()
    if city is None:
        raise CityScopeError("No city scope is set; wrap the code in city_scope(city).")
    return city


@contextmanager
def city_scope(city: City) -> Iterator[City]:
    """Run the block with ``city`` as the scope of every city-owned default manager."""
    token = _current_city.set(city)
    try:
        yield city
    finally:
        _current_city.reset(token)


_M = TypeVar("_M", bound=models.Model)


class CityScopedQuerySet(models.QuerySet[_M]):
    pass


class CityScopedManager(models.Manager[_M]):
    """Default manager of city-owned models: filters on the current city, raises without one.

    A plain generic manager (not ``Manager.from_queryset``, which a type checker cannot follow):
    ``CityOwnedModel.objects`` is a ``CityScopedManager[TheModel]`` to mypy and django-stubs.
    """

    _hints: dict[str, Any]  # set by BaseManager.__init__; django-stubs does not declare it

    def _unscoped(self) -> CityScopedQuerySet[_M]:
        return CityScopedQuerySet(model=self.model, using=self._db, hints=self._hints)

    def get_queryset(self) -> CityScopedQuerySet[_M]:
        city = require_city()
        return self._unscoped().filter(city=city)

    def none(self) -> CityScopedQuerySet[_M]:
        """An empty queryset reveals nothing, so it needs no scope (form fields start with one)."""
        return self._unscoped().none()


class CityOwnedModel(models.Model):
    """Base of every model that belongs to one city."""

    city = models.ForeignKey("portal.City", on_delete=models.PROTECT, related_name="+")

    objects = CityScopedManager()
    # The named way across cities; its queries run in the database's system scope (portal/rls.py).
    all_cities = SystemManager()  # noqa: DJ012 - declared second so that `objects` stays the default

    class Meta:
        abstract = True
        base_manager_name = "all_cities"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Rows are created inside the scope of the city they belong to, never across.
        scope = current_city()
        if self.city_id is None and scope is not None:
            self.city = scope
        elif scope is not None and self.city_id != scope.pk:
            raise CityScopeError(f"{type(self).__name__} of city {self.city_id} saved in scope of {scope.pk}")
        super().save(*args, **kwargs)


class CityScopeMiddleware:
    """Resolve ``<city_slug>`` from the URL once per request, set the scope, and reset it afterwards.

    An unknown slug is a 404. Whether the signed-in user may see the city is the access rule's
    business (``portal.access``), which answers the same 404 for "missing" and "not yours".
    The scope is set and reset in the same call, so that it holds under WSGI and ASGI alike
    (under ASGI, middleware hooks may run in different copies of the context).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: ScopedRequest) -> HttpResponseBase:
        request.city = None
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return self.get_response(request)
        slug = match.kwargs.get("city_slug")
        if slug is None:
            return self.get_response(request)
        from portal.models import City

        city = City.objects.filter(slug=slug).first()
        if city is None:
            raise Http404("No such city.")
        request.city = city
        with city_scope(city):
            return self.get_response(request)
