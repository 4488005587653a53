"""Personas and data for the sharing tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cameras.models import Read, ReadSource
from portal.models import Agency, AgencyKind
from portal.roles import Role
from portal.tenancy import city_scope
from sharing.models import AgreementState, SharingAgreement
from tests.factories import AgencyFactory, CameraFactory, city_user, partner_user

PURPOSE = {
    "reason": "Armed robbery at the 5th Ave pharmacy on 3 May, suspect vehicle seen leaving north",
    "offense_type": "robbery",
    "case_number": "2026-004512",
}
IMMIGRATION_PURPOSE = {**PURPOSE, "reason": "ICE ERO request, deportee believed to drive this car"}


def make_read(camera, plate: str, *, ago: dt.timedelta = dt.timedelta(hours=1), colour: str = "") -> Read:
    return Read.all_cities.create(
        city_id=camera.city_id,
        camera=camera,
        source=ReadSource.DEVICE,
        captured_at=timezone.now() - ago,
        plate=plate,
        confidence=0.95,
        vehicle_colour=colour,
    )


def make_agreement(
    city, agency: Agency, *, state=AgreementState.ACTIVE, cameras=(), **fields
) -> SharingAgreement:
    """An agreement written straight to the database (the state machine has its own tests)."""
    today = timezone.localdate()
    values = {
        "starts_on": today - dt.timedelta(days=10),
        "ends_on": today + dt.timedelta(days=300),
        "declaration_signed_by": "Chief R. Partner",
        "declaration_signed_at": timezone.now() - dt.timedelta(days=11),
        "all_cameras": not cameras,
        **fields,
    }
    agreement = SharingAgreement.all_cities.create(city=city, partner_agency=agency, state=state, **values)
    if cameras:
        with city_scope(city):
            agreement.cameras.set(cameras)
    return agreement


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Personas are created with passwords; a fast hasher keeps this suite to seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def chief_a(city_a):
    return city_user(city_a, Role.CHIEF)


@pytest.fixture
def clerk_a(city_a):
    return city_user(city_a, Role.CLERK)


@pytest.fixture
def camera_1(city_a):
    return CameraFactory(city=city_a, name="North gate")


@pytest.fixture
def camera_2(city_a):
    return CameraFactory(city=city_a, name="South gate")


@pytest.fixture
def camera_b(city_b):
    return CameraFactory(city=city_b, name="Bravo main street")


@pytest.fixture
def kent(db):
    return AgencyFactory(name="Kent Police Department", kind=AgencyKind.LOCAL, state="WA")


@pytest.fixture
def kent_detective(kent):
    return partner_user(kent)


@pytest.fixture
def dhs(db):
    return AgencyFactory(
        name="Department of Homeland Security",
        kind=AgencyKind.FEDERAL,
        state="",
        immigration_enforcement=True,
    )


@pytest.fixture
def field_office(dhs):
    """A unit whose own name and flags say nothing; its parent is an immigration agency."""
    return AgencyFactory(
        name="Northwest Regional Field Office", kind=AgencyKind.FEDERAL, state="WA", parent=dhs
    )


@pytest.fixture
def boise(db):
    return AgencyFactory(name="Boise Police Department", kind=AgencyKind.LOCAL, state="ID")


@pytest.fixture
def fbi(db):
    return AgencyFactory(name="FBI Seattle Field Office", kind=AgencyKind.FEDERAL, state="")
