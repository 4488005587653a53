import datetime as dt

import pytest
from django.utils import timezone

from audits.models import AuditEvent
from cameras.models import Hotlist, HotlistEntry, HotlistSource
from cameras.services import HotlistRefused, hotlist_create, hotlist_entry_add, hotlist_import_csv
from portal.models import PolicyPreset
from portal.roles import Role
from tests.factories import CityFactory, city_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_a(city_a):
    return city_user(city_a, Role.CLERK)


@pytest.fixture
def stolen(city_a, clerk_a):
    return hotlist_create(
        city=city_a, by=clerk_a, name="Stolen vehicles", source=HotlistSource.STATE_NCIC, priority=3
    )


def test_an_immigration_violator_list_is_refused_under_washington_rules(city_a, clerk_a):
    with pytest.raises(HotlistRefused, match="prohibits civil immigration enforcement") as refusal:
        hotlist_create(
            city=city_a,
            by=clerk_a,
            name="IVF extract",
            source=HotlistSource.NCIC_IMMIGRATION_VIOLATOR,
            priority=2,
        )
    assert refusal.value.rule == "prohibited_purpose.immigration"
    assert not Hotlist.all_cities.exists()
    assert AuditEvent.objects.get(event_type="hotlist.refused").outcome == "denied"


def test_a_list_named_for_immigration_is_refused_whatever_its_declared_source(city_a, clerk_a):
    with pytest.raises(HotlistRefused):
        hotlist_create(city=city_a, by=clerk_a, name="ICE detainers", source=HotlistSource.CUSTOM, priority=2)


def test_a_city_without_that_prohibition_may_keep_such_a_list(db):
    city = CityFactory(policy_preset=PolicyPreset.OTHER, state="TX")
    from sharing.models import CityPolicy

    policy = CityPolicy.from_preset(city)
    policy.prohibited_purposes = [
        p for p in policy.prohibited_purposes if p != "civil_immigration_enforcement"
    ]
    policy.save()
    hotlist = hotlist_create(
        city=city,
        by=city_user(city, Role.CLERK),
        name="IVF",
        source=HotlistSource.NCIC_IMMIGRATION_VIOLATOR,
        priority=2,
    )
    assert hotlist.pk


def test_csv_import_reports_each_rejected_row(city_a, clerk_a, stolen):
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date().isoformat()
    data = (
        "plate,state,reason,expires\n"
        "ABC1234,WA,stolen 2019 Honda Civic,\n"
        "abc-1235,wa,stolen pickup," + tomorrow + "\n"
        "!,WA,bad plate,\n"
        "XYZ999,Washington,bad state,\n"
        "QQQ111,WA,,\n"
        "OLD111,WA,expired entry,2001-01-01\n"
        "DUP111,WA,first,\n"
        "DUP111,WA,second,\n"
        "ICE111,WA,ICE detainer hold,\n"
        "BAD222,WA,wrong date,31/12/2030\n"
    ).encode()
    report = hotlist_import_csv(hotlist=stolen, by=clerk_a, data=data)
    assert report.accepted == 3
    assert {(p.row, p.plate) for p in report.rejected} == {
        (4, "!"),
        (5, "XYZ999"),
        (6, "QQQ111"),
        (7, "OLD111"),
        (9, "DUP111"),
        (10, "ICE111"),
        (11, "BAD222"),
    }
    assert "immigration" in next(p.reason for p in report.rejected if p.plate == "ICE111")
    assert set(HotlistEntry.all_cities.values_list("plate", "state")) == {
        ("ABC1234", "WA"),
        ("ABC1235", "WA"),
        ("DUP111", "WA"),
    }
    assert AuditEvent.objects.get(event_type="hotlist.imported").details == {"accepted": 3, "rejected": 7}


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\xff\xfe\x00bad", "UTF-8"), (b"licence,why\nABC,x\n", "name the columns")],
)
def test_a_file_that_is_not_the_expected_csv_is_refused_whole(city_a, clerk_a, stolen, data, message):
    with pytest.raises(HotlistRefused, match=message):
        hotlist_import_csv(hotlist=stolen, by=clerk_a, data=data)
    assert not HotlistEntry.all_cities.exists()


def test_entries_are_normalised_and_duplicates_refused(city_a, clerk_a, stolen):
    entry = hotlist_entry_add(hotlist=stolen, by=clerk_a, plate="b0s-55", state="wa", reason="stolen")
    assert (entry.plate, entry.plate_key, entry.state) == ("B0S55", "80555", "WA")
    with pytest.raises(HotlistRefused, match="already"):
        hotlist_entry_add(hotlist=stolen, by=clerk_a, plate="B0S55", state="WA", reason="again")


def test_csv_import_refuses_unknown_state_codes_and_impossible_dates_in_words(city_a, clerk_a, stolen):
    data = (
        b"plate,state,reason,expires\n"
        b"GOOD111,BC,stolen in Vancouver,\n"
        b"XXS111,XX,no such state,\n"
        b"MON111,WA,bad month,2026-13-01\n"
        b"DAY111,WA,bad day,2026-04-31\n"
    )
    report = hotlist_import_csv(hotlist=stolen, by=clerk_a, data=data)
    assert report.accepted == 1
    reasons = {p.plate: p.reason for p in report.rejected}
    assert set(reasons) == {"XXS111", "MON111", "DAY111"}
    assert "'XX' is not a US state" in reasons["XXS111"]
    for plate in ("MON111", "DAY111"):
        assert "not a real calendar date" in reasons[plate] and "2026-12-31" in reasons[plate]
        assert "must be in" not in reasons[plate]
    assert set(HotlistEntry.all_cities.values_list("plate", "state")) == {("GOOD111", "BC")}


def test_the_hotlist_pages_import_and_show_the_report(client, city_a, clerk_a, stolen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(clerk_a)
    upload = SimpleUploadedFile("list.csv", b"plate,state,reason\nAAA111,WA,stolen\n!,WA,x\n", "text/csv")
    response = client.post(f"/c/{city_a.slug}/hotlists/{stolen.public_id}/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "1 entry added, 1 rejected" in page and "2 to 10 letters" in page


def test_the_hotlist_page_refuses_an_immigration_list_with_the_rule(client, city_a, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        f"/c/{city_a.slug}/hotlists/new/",
        {"name": "IVF", "source": "ncic_immigration_violator", "priority": "2"},
    )
    assert (
        response.status_code == 403 and "prohibits civil immigration enforcement" in response.content.decode()
    )


def test_officers_cannot_create_hotlists(client, city_a, officer_a):
    client.force_login(officer_a)
    response = client.post(
        f"/c/{city_a.slug}/hotlists/new/", {"name": "x", "source": "manual", "priority": "2"}
    )
    assert response.status_code == 403 and not Hotlist.all_cities.exists()
