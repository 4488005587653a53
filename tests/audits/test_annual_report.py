"""The annual report counts what the state laws ask for, and never shows a plate or a name."""

import datetime as dt

import pytest

from audits.reports import annual_report
from cameras.models import RetentionPurge
from portal.tenancy import city_scope
from tests.audits.review_data import Planter, at
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_annual_report_page_and_pdf(client, city_a):
    plant = Planter(city_a)
    CameraFactory(city=city_a)
    plant.search(at(3), plate="SECRET1")
    plant.search(at(4), user=plant.partner, plate="SECRET2")
    plant.search(at(5), outcome="denied", rule="prohibited_purpose.immigration", plate="SECRET3")
    plant.search(dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC))  # another year
    with city_scope(city_a):
        RetentionPurge.objects.create(
            cutoff=at(20),
            reads_deleted=1234,
            frames_deleted=0,
            reads_held=0,
            oldest_deleted=at(1),
            newest_deleted=at(2),
        )
    report = annual_report(city=city_a, year=2026)
    assert (report.searches_total, report.searches_refused) == (3, 1)
    assert report.reads_deleted_by_retention == 1234 and report.cameras_total == 1
    assert ("prohibited_purpose.immigration", 1) in report.refusals_by_rule
    assert any(row[0] == plant.partner_agency.name for row in report.searches_by_agency)
    assert any(row[0] == plant.partner_agency.name for row in report.agreements)
    page = client.get(f"/p/{city_a.slug}/report/2026/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "1234" in body and plant.partner_agency.name in body
    assert "SECRET" not in body and plant.officer.username not in body
    pdf = client.get(f"/p/{city_a.slug}/report/2026/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get(f"/p/{city_a.slug}/report/1850/").status_code == 404
