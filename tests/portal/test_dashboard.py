"""Each role's dashboard: what waits on that role, counted from the city's own data only."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from cameras.models import Hit, HotlistSource, Read
from cameras.services import hotlist_create, hotlist_entry_add, reads_match
from portal.dashboard import activity_series
from portal.roles import Role
from sharing.models import AgreementState
from tests.factories import AgencyFactory, CameraFactory, city_user
from tests.sharing.conftest import make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_city(city_a, city_b):
    clerk = city_user(city_a, Role.CLERK)
    camera = CameraFactory(city=city_a, name="Harbour Ave")
    hotlist = hotlist_create(
        city=city_a, by=clerk, name="Stolen", source=HotlistSource.STATE_NCIC, priority=3
    )
    hotlist_entry_add(hotlist=hotlist, by=clerk, plate="ABC1234", state="WA", reason="stolen vehicle")
    read = Read.all_cities.create(
        city=city_a,
        camera=camera,
        source="device",
        plate="ABC1234",
        confidence=0.9,
        captured_at=timezone.now(),
    )
    reads_match(city=city_a, read_ids=[read.pk])
    make_agreement(city_a, AgencyFactory(), state=AgreementState.AWAITING_CHIEF)
    make_agreement(city_b, AgencyFactory(), state=AgreementState.AWAITING_CHIEF)  # not Alpha's
    return city_a


def attention(response) -> dict:
    return {item.key: item.count for item in response.context["attention"]}


def test_the_chief_sees_agreements_to_approve_and_hits_to_verify(client, busy_city):
    client.force_login(city_user(busy_city, Role.CHIEF))
    response = client.get(f"/c/{busy_city.slug}/")
    assert response.status_code == 200
    items = attention(response)
    assert items["agreements_awaiting"] == 1 and items["unverified_hits"] == 1
    page = response.content.decode()
    assert "Agreements awaiting your approval" in page and "Hits not yet verified" in page
    assert "ABC1234" not in page  # counts, never plates


def test_each_role_sees_only_what_waits_on_it(client, busy_city):
    client.force_login(city_user(busy_city, Role.DISPATCHER))
    assert set(attention(client.get(f"/c/{busy_city.slug}/"))) == {"unverified_hits", "cameras_offline"}
    client.force_login(city_user(busy_city, Role.AUDITOR))
    assert set(attention(client.get(f"/c/{busy_city.slug}/"))) == {"revocation_cases"}
    client.force_login(city_user(busy_city, Role.OFFICER))
    assert attention(client.get(f"/c/{busy_city.slug}/")) == {"holds": 0}  # their own held searches


def test_activity_counts_thirty_days_per_day(busy_city):
    camera = CameraFactory(city=busy_city)
    old = timezone.now() - dt.timedelta(days=40)
    Read.all_cities.create(
        city=busy_city, camera=camera, source="device", plate="OLD1", confidence=0.9, captured_at=old
    )
    series = activity_series(busy_city)
    assert len(series["labels"]) == 30
    assert sum(series["reads"]["Reads"]) == 1 and series["reads"]["Reads"][-1] == 1
    assert sum(series["hits"]["Not verified"]) == Hit.all_cities.filter(city=busy_city).count() == 1


def test_the_dashboard_passes_chart_data_as_json_not_script(client, busy_city):
    client.force_login(city_user(busy_city, Role.CHIEF))
    page = client.get(f"/c/{busy_city.slug}/").content.decode()
    start = page.index('<script id="activity-data" type="application/json">') + len(
        '<script id="activity-data" type="application/json">'
    )
    data = json.loads(page[start : page.index("</script>", start)])
    assert data["hits"]["Not verified"][-1] == 1
    assert 'style="' not in page and "onclick" not in page
