"""CSV downloads of the lists each role may see: the list as shown, and an audit entry per download."""

import csv
import io

import pytest

from audits.models import AuditEvent
from portal.roles import Role
from sharing.models import AgreementState
from tests.factories import AgencyFactory, CameraFactory, city_user
from tests.sharing.conftest import make_agreement

pytestmark = pytest.mark.django_db


def rows_of(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    "role, path, name",
    [
        (Role.CLERK, "cameras/", "cameras"),
        (Role.AUDITOR, "agreements/", "agreements"),
        (Role.CHIEF, "revocations/", "revocation-cases"),
        (Role.AUDITOR, "audit/", "audit-log"),
    ],
)
def test_each_list_downloads_as_csv_and_the_download_is_audited(client, city_a, city_b, role, path, name):
    CameraFactory(city=city_a, name="=HYPERLINK(evil)")
    CameraFactory(city=city_b, name="Bravo's own")
    make_agreement(city_a, AgencyFactory(name="Kent Police Department"), state=AgreementState.AWAITING_CHIEF)
    make_agreement(city_b, AgencyFactory(name="Boise Police Department"))
    user = city_user(city_a, role)
    client.force_login(user)
    response = client.get(f"/c/{city_a.slug}/{path}", {"format": "csv"})
    rows = rows_of(response)
    body = response.content.decode()
    assert "Bravo's own" not in body and "Boise" not in body
    if name == "cameras":
        assert rows[0]["name"] == "'=HYPERLINK(evil)"  # never a live spreadsheet formula
    if name == "agreements":
        assert rows[0]["partner_agency"] == "Kent Police Department"
    event = AuditEvent.objects.filter(city=city_a, event_type="export.csv").get()
    assert event.actor == user and event.details["list"] == name


def test_the_agreement_list_filters_by_state(client, city_a):
    make_agreement(city_a, AgencyFactory(name="Kent Police Department"), state=AgreementState.AWAITING_CHIEF)
    make_agreement(city_a, AgencyFactory(name="Everett Police Department"))
    client.force_login(city_user(city_a, Role.CHIEF))
    rows = rows_of(client.get(f"/c/{city_a.slug}/agreements/", {"state": "awaiting_chief", "format": "csv"}))
    assert [row["partner_agency"] for row in rows] == ["Kent Police Department"]
    page = client.get(f"/c/{city_a.slug}/agreements/", {"state": "awaiting_chief"}).content.decode()
    assert "Kent Police Department" in page and "Everett Police Department" not in page


def test_a_role_without_the_list_gets_no_csv(client, city_a):
    client.force_login(city_user(city_a, Role.OFFICER))
    assert client.get(f"/c/{city_a.slug}/agreements/", {"format": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(event_type="export.csv").exists()
