"""Governed search: personas, the engine before the query, the one selector, the record of every search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audits.models import AuditEvent
from portal.roles import Role
from portal.tenancy import city_scope
from sharing.grants import grant_for
from sharing.models import AgreementState, Search
from sharing.selectors import ReadQuery, reads_visible_to
from sharing.services import search_run
from tests.factories import city_user, partner_user
from tests.sharing.conftest import IMMIGRATION_PURPOSE, PURPOSE, make_agreement, make_read

pytestmark = pytest.mark.django_db


def search_url(city):
    return f"/c/{city.slug}/search/"


def api_url(city):
    return f"/api/v1/c/{city.slug}/searches/"


def searches(city):
    with city_scope(city):
        return list(Search.objects.order_by("searched_at"))


def search_events(city):
    return list(AuditEvent.objects.filter(city=city, event_type="search.performed").order_by("sequence"))


def reads_queried(queries) -> bool:
    return any('"cameras_read"' in query["sql"] for query in queries)


# ---------------------------------------------------------------------------------------------
# The city's own officers
# ---------------------------------------------------------------------------------------------


def test_own_officer_finds_reads_of_the_city_only_and_the_search_is_recorded(
    client, city_a, officer_a, camera_1, camera_b
):
    mine = make_read(camera_1, "ABC1234")
    make_read(camera_b, "ABC1234")  # the same plate in another city
    make_read(camera_1, "ABC1234", ago=dt.timedelta(days=city_a.retention_days + 2))  # beyond retention
    client.force_login(officer_a)
    response = client.post(search_url(city_a), {"plate": "abc-1234", **PURPOSE})
    assert response.status_code == 200
    body = response.content.decode()
    [search] = searches(city_a)
    assert (
        "1 read" in body
        and f"/c/{city_a.slug}/searches/{search.public_id}/reads/{mine.public_id}/crop.jpg" in body
    )
    assert search.outcome == "allowed" and search.rule == "allowed"
    assert search.user == officer_a and search.agency == city_a.own_agency
    assert (search.reason, search.offense_type, search.case_number) == (
        PURPOSE["reason"],
        "robbery",
        "2026-004512",
    )
    assert search.plate_query == "ABC1234" and search.result_count == 1 and search.cameras_reached == 1
    [event] = search_events(city_a)
    assert event.outcome == "allowed" and event.actor == officer_a
    assert event.target_id == str(search.public_id)
    assert event.details["plate_query"] == "ABC1234" and event.details["result_count"] == 1
    assert event.details["case_number"] == "2026-004512" and event.details["cameras_reached"] == 1


def test_denied_search_is_recorded_returns_no_data_and_runs_no_read_query(
    client, city_a, officer_a, camera_1
):
    make_read(camera_1, "ABC1234")
    client.force_login(officer_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(search_url(city_a), {"plate": "ABC1234", **IMMIGRATION_PURPOSE})
    assert response.status_code == 403
    body = response.content.decode()
    assert "prohibited_purpose.immigration" in body and "ABC1234</td>" not in body
    assert not reads_queried(queries.captured_queries)
    [search] = searches(city_a)
    assert search.outcome == "denied" and search.rule == "prohibited_purpose.immigration"
    assert search.result_count == 0 and search.cameras_reached == 0
    [event] = search_events(city_a)
    assert event.outcome == "denied" and event.details["rule"] == "prohibited_purpose.immigration"
    assert "immigration" in event.details["message"]


@pytest.mark.parametrize(
    "purpose, rule",
    [
        ({**PURPOSE, "case_number": ""}, "missing_case_number"),
        ({**PURPOSE, "offense_type": ""}, "missing_offense_type"),
        ({**PURPOSE, "reason": ""}, "missing_reason"),
        ({**PURPOSE, "reason": "investigation"}, "vague_reason"),
        ({**PURPOSE, "offense_type": "traffic"}, "offense_not_permitted"),
        ({**PURPOSE, "reason": "Following the organisers of Saturday's protest march downtown"}, None),
    ],
)
def test_each_search_rule_refuses_before_the_query(city_a, officer_a, camera_1, purpose, rule):
    with CaptureQueriesContext(connection) as queries:
        result = search_run(grant=grant_for(officer_a, city_a), query=ReadQuery(plate="ABC1234"), **purpose)
    assert not result.allowed and not result.reads
    if rule:
        assert result.decision.rule == rule
    assert not reads_queried(queries.captured_queries)
    assert searches(city_a)[0].outcome == "denied"


def test_partial_plate_needs_the_policy_minimum(city_a, officer_a, camera_1):
    make_read(camera_1, "ABC1234")
    short = search_run(
        grant=grant_for(officer_a, city_a), query=ReadQuery(plate="BC1", partial=True), **PURPOSE
    )
    assert short.decision.rule == "partial_plate_too_short"
    enough = search_run(
        grant=grant_for(officer_a, city_a), query=ReadQuery(plate="BC123", partial=True), **PURPOSE
    )
    assert enough.allowed and [r.plate for r in enough.reads] == ["ABC1234"]


def test_filters_by_camera_colour_and_time(city_a, officer_a, camera_1, camera_2):
    make_read(camera_1, "ABC1234", colour="red")
    blue = make_read(camera_2, "ABC1234", colour="blue")
    make_read(camera_2, "ABC1234", ago=dt.timedelta(days=5), colour="blue")
    query = ReadQuery(
        plate="ABC1234",
        camera_ids=[camera_2.public_id],
        colour="Blue",
        since=timezone.now() - dt.timedelta(days=1),
    )
    result = search_run(grant=grant_for(officer_a, city_a), query=query, **PURPOSE)
    assert [r.pk for r in result.reads] == [blue.pk]
    assert result.search.cameras_reached == 1


def test_time_range_never_reaches_beyond_retention(city_a, officer_a, camera_1):
    make_read(camera_1, "ABC1234", ago=dt.timedelta(days=city_a.retention_days + 1))
    query = ReadQuery(plate="ABC1234", since=timezone.now() - dt.timedelta(days=365))
    result = search_run(grant=grant_for(officer_a, city_a), query=query, **PURPOSE)
    assert result.reads == []
    assert result.since >= timezone.now() - dt.timedelta(days=city_a.retention_days, minutes=1)


def test_at_most_a_page_of_rows(city_a, officer_a, camera_1):
    for minutes in range(205):
        make_read(camera_1, "ABC1234", ago=dt.timedelta(minutes=minutes + 1))
    result = search_run(grant=grant_for(officer_a, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert len(result.reads) == 200 and result.search.result_count == 200


@pytest.mark.parametrize("role", [Role.CLERK, Role.DISPATCHER, Role.AUDITOR])
def test_other_city_roles_are_refused_and_nothing_is_recorded(client, city_a, role):
    client.force_login(city_user(city_a, role))
    assert client.post(search_url(city_a), {"plate": "ABC1234", **PURPOSE}).status_code == 403
    assert searches(city_a) == [] and search_events(city_a) == []


def test_officer_of_another_city_gets_the_missing_city_404(client, city_a, officer_b):
    client.force_login(officer_b)
    assert client.get(search_url(city_a)).status_code == 404
    assert client.get("/c/no-such-city/search/").status_code == 404


def test_bad_input_is_a_400_with_field_errors(client, city_a, officer_a):
    client.force_login(officer_a)
    response = client.post(
        search_url(city_a),
        {"plate": "--", "since": "2026-05-02T00:00", "until": "2026-05-01T00:00", **PURPOSE},
    )
    assert response.status_code == 400
    assert "letters and digits" in response.content.decode()
    assert searches(city_a) == []


# ---------------------------------------------------------------------------------------------
# Partners
# ---------------------------------------------------------------------------------------------


def test_partner_with_agreement_sees_only_the_agreements_cameras(
    client, city_a, kent, kent_detective, camera_1, camera_2, camera_b
):
    agreement = make_agreement(city_a, kent, cameras=[camera_1])
    shared = make_read(camera_1, "ABC1234")
    make_read(camera_2, "ABC1234")  # not in the agreement
    make_read(camera_b, "ABC1234")  # another city
    client.force_login(kent_detective)
    response = client.post(search_url(city_a), {"plate": "ABC1234", **PURPOSE})
    assert response.status_code == 200
    [search] = searches(city_a)
    assert search.result_count == 1 and search.cameras_reached == 1 and search.agreement == agreement
    assert search.agency == kent
    assert str(shared.public_id) in response.content.decode()
    # Asking for a camera outside the agreement is an input error, not a wider search.
    response = client.post(
        search_url(city_a), {"plate": "ABC1234", "cameras": [camera_2.public_id], **PURPOSE}
    )
    assert response.status_code == 400


def test_partner_partial_search_needs_the_agreement_to_allow_it(city_a, kent, kent_detective, camera_1):
    make_agreement(city_a, kent)
    make_read(camera_1, "ABC1234")
    result = search_run(
        grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC12", partial=True), **PURPOSE
    )
    assert result.decision.rule == "agreement.partial_plate_not_permitted" and result.reads == []


def test_partner_offense_type_outside_the_agreement_is_refused(city_a, kent, kent_detective, camera_1):
    make_agreement(city_a, kent, permitted_offense_types=["stolen_vehicle"])
    result = search_run(grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert result.decision.rule == "agreement.offense_not_permitted"


def test_partner_without_agreement_gets_404_and_the_service_records_a_denial(
    client, city_a, kent_detective, camera_1
):
    client.force_login(kent_detective)
    assert client.get(search_url(city_a)).status_code == 404
    assert client.post(search_url(city_a), {"plate": "ABC1234", **PURPOSE}).status_code == 404
    assert searches(city_a) == []
    result = search_run(grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert result.decision.rule == "agency.no_agreement"
    assert search_events(city_a)[0].outcome == "denied"


@pytest.mark.parametrize(
    "fields",
    [
        {"state": AgreementState.EXPIRED},
        {"state": AgreementState.SUSPENDED},
        {"state": AgreementState.REVOKED},
        {"ends_on": timezone.localdate() - dt.timedelta(days=2)},  # past its end in any zone, not yet expired
        {"starts_on": timezone.localdate() + dt.timedelta(days=3)},  # not started yet
    ],
)
def test_partner_outside_an_agreement_in_effect_gets_404(
    client, city_a, kent, kent_detective, camera_1, fields
):
    if "ends_on" in fields:
        fields["starts_on"] = fields["ends_on"] - dt.timedelta(days=30)
    make_agreement(city_a, kent, **fields)
    client.force_login(kent_detective)
    assert client.post(search_url(city_a), {"plate": "ABC1234", **PURPOSE}).status_code == 404
    assert searches(city_a) == []


def test_partner_of_an_agreement_with_one_city_gets_404_in_another(
    client, city_a, city_b, kent, kent_detective
):
    make_agreement(city_a, kent)
    client.force_login(kent_detective)
    assert client.get(search_url(city_b)).status_code == 404


def test_immigration_agency_is_refused_even_with_an_agreement_row(client, city_a, field_office, camera_1):
    """An agreement the policy forbids (forced into the table) still yields no data."""
    make_agreement(city_a, field_office)
    make_read(camera_1, "ABC1234")
    agent = partner_user(field_office)
    client.force_login(agent)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(search_url(city_a), {"plate": "ABC1234", **PURPOSE})
    assert response.status_code == 403
    assert "agency.immigration_enforcement" in response.content.decode()
    assert not reads_queried(queries.captured_queries)
    [search] = searches(city_a)
    assert search.outcome == "denied" and search.rule == "agency.immigration_enforcement"


def test_out_of_state_agency_is_refused_under_the_washington_preset(city_a, boise, camera_1):
    make_agreement(city_a, boise)
    result = search_run(
        grant=grant_for(partner_user(boise), city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE
    )
    assert result.decision.rule == "agency.out_of_state_not_permitted" and result.reads == []


def test_outsider_gets_404(client, city_a, outsider):
    client.force_login(outsider)
    assert client.get(search_url(city_a)).status_code == 404
    assert client.post(api_url(city_a), {"plate": "ABC1234", **PURPOSE}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, city_a):
    response = client.get(search_url(city_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_selector_refuses_a_caller_the_entry_point_should_have_refused(
    city_a, city_b, kent, kent_detective, officer_a
):
    agreement_b = make_agreement(city_b, kent)
    assert agreement_b is not None
    with pytest.raises(PermissionDenied):  # Kent's agreement with Bravo grants nothing in Alpha
        reads_visible_to(grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="A"))
    with pytest.raises(PermissionDenied):  # an officer of Alpha is an outsider to Bravo
        reads_visible_to(grant=grant_for(officer_a, city_b), query=ReadQuery(plate="A"))


# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------


def token_client(client, user):
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_api_partner_with_token_gets_results(client, city_a, kent, kent_detective, camera_1):
    make_agreement(city_a, kent)
    read = make_read(camera_1, "ABC1234")
    response = token_client(client, kent_detective).post(
        api_url(city_a), {"plate": "ABC 1234", **PURPOSE}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "allowed" and body["result_count"] == 1 and body["cameras_reached"] == 1
    [row] = body["results"]
    assert row["id"] == str(read.public_id) and row["plate"] == "ABC1234" and row["camera"] == "North gate"
    assert row["crop_url"].endswith(
        f"/c/{city_a.slug}/searches/{body['search']}/reads/{read.public_id}/crop.jpg"
    )
    assert searches(city_a)[0].public_id.hex == body["search"].replace("-", "")


def test_api_denied_search_is_403_with_rule_and_message(client, city_a, kent, kent_detective, camera_1):
    make_agreement(city_a, kent)
    make_read(camera_1, "ABC1234")
    response = token_client(client, kent_detective).post(
        api_url(city_a), {"plate": "ABC1234", **IMMIGRATION_PURPOSE}, content_type="application/json"
    )
    assert response.status_code == 403
    body = response.json()
    assert body["rule"] == "prohibited_purpose.immigration" and "immigration" in body["message"]
    assert "results" not in body
    assert searches(city_a)[0].outcome == "denied" and search_events(city_a)[0].outcome == "denied"


def test_api_bad_input_is_400_with_field_errors(client, city_a, officer_a):
    response = token_client(client, officer_a).post(
        api_url(city_a),
        {"plate": "", "since": "yesterday", "cameras": ["not-a-uuid"], "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert {"plate", "since", "cameras", "offense_type", "case_number"} <= set(body)
    assert searches(city_a) == []


def test_api_unknown_camera_is_400(client, city_a, officer_a, camera_b):
    response = token_client(client, officer_a).post(
        api_url(city_a),
        {"plate": "ABC1234", "cameras": [str(camera_b.public_id)], **PURPOSE},
        content_type="application/json",
    )
    assert response.status_code == 400 and "cameras" in response.json()


def test_api_without_or_with_a_bad_token_is_refused(client, city_a):
    assert client.post(api_url(city_a), {}, content_type="application/json").status_code in (401, 403)
    client.defaults["HTTP_AUTHORIZATION"] = "Token not-a-real-token"
    assert client.post(api_url(city_a), {}, content_type="application/json").status_code in (401, 403)


def test_api_partner_without_agreement_gets_404(client, city_a, kent_detective):
    response = token_client(client, kent_detective).post(
        api_url(city_a), {"plate": "ABC1234", **PURPOSE}, content_type="application/json"
    )
    assert response.status_code == 404


def test_schema_documents_the_search_api(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/c/{city_slug}/searches/" in response.content


# ---------------------------------------------------------------------------------------------
# Partial plates: the window is searched newest days first, with the same rows as one query
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 8, 200])
def test_partial_search_returns_the_newest_rows_of_the_whole_window(city_a, officer_a, camera_1, limit):
    ages = [1, 20, 30, 50, 100, 160, 170, 200, 300, 480]  # hours: every slice (2 days, a week, the rest)
    reads = [
        make_read(camera_1, f"ABC{n:04d}", ago=dt.timedelta(hours=hours)) for n, hours in enumerate(ages)
    ]
    make_read(camera_1, "XYZ9999", ago=dt.timedelta(hours=2))  # no match
    make_read(camera_1, "ABC0001", ago=dt.timedelta(days=city_a.retention_days + 1))  # beyond the window
    visible = reads_visible_to(
        grant=grant_for(officer_a, city_a), query=ReadQuery(plate="ABC", partial=True), limit=limit
    )
    assert [read.pk for read in visible.reads] == [read.pk for read in reads[:limit]]


def test_partial_search_slices_cover_a_short_or_empty_window_exactly(city_a, officer_a, camera_1):
    inside = make_read(camera_1, "ABC1234", ago=dt.timedelta(days=3))
    make_read(camera_1, "ABC1234", ago=dt.timedelta(days=5))
    make_read(camera_1, "ABC1234", ago=dt.timedelta(hours=1))
    now = timezone.now()
    query = ReadQuery(
        plate="C12", partial=True, since=now - dt.timedelta(days=4), until=now - dt.timedelta(days=2)
    )
    visible = reads_visible_to(grant=grant_for(officer_a, city_a), query=query)
    assert [read.pk for read in visible.reads] == [inside.pk]
    empty = ReadQuery(
        plate="C12", partial=True, since=now - dt.timedelta(days=1), until=now - dt.timedelta(days=2)
    )
    assert reads_visible_to(grant=grant_for(officer_a, city_a), query=empty).reads == []


def test_a_partner_is_offered_only_the_offense_types_its_agreement_allows(client, city_a, camera_1):
    from tests.factories import AgencyFactory

    agency = AgencyFactory(name="Kent Police Department")
    make_agreement(city_a, agency, permitted_offense_types=["stolen_vehicle", "hit_and_run"])
    partner = partner_user(agency)
    client.force_login(partner)
    page = client.get(f"/c/{city_a.slug}/search/").content.decode()
    offered = page.split('name="offense_type"')[1].split("</select>")[0]
    assert 'value="stolen_vehicle"' in offered and 'value="hit_and_run"' in offered
    assert 'value="robbery"' not in offered and 'value="homicide"' not in offered
    # Sent anyway, another offense type reaches the engine and is refused with its audit entry.
    response = client.post(f"/c/{city_a.slug}/search/", {**PURPOSE, "plate": "ABC1234"})
    assert response.status_code == 403
    search = Search.all_cities.get()
    assert search.outcome == "denied" and search.rule == "agreement.offense_not_permitted"
    assert AuditEvent.objects.filter(event_type="search.performed", outcome="denied").count() == 1


def test_search_form_groups_its_fields_under_headings(client, city_a, officer_a):
    client.force_login(officer_a)
    page = client.get(f"/c/{city_a.slug}/search/").content.decode()
    for legend in ("The plate", "Where and when", "Why"):
        assert f"<legend>{legend}</legend>" in page
    assert 'type="datetime-local"' in page


HELD_PURPOSE = {
    **PURPOSE,
    "reason": "Fraud victim is undocumented; ICE asked us to verify his status",
    "offense_type": "fraud",
}


def test_held_search_runs_no_query_is_recorded_as_held_with_its_evidence_and_engine_version(
    client, city_a, officer_a, camera_1
):
    make_read(camera_1, "ABC1234")
    client.force_login(officer_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(search_url(city_a), {"plate": "ABC1234", **HELD_PURPOSE})
    assert response.status_code == 403
    body = response.content.decode()
    assert "supervisor" in body and "ABC1234</td>" not in body
    assert not reads_queried(queries.captured_queries)
    [search] = searches(city_a)
    assert search.outcome == "held" and search.rule == "prohibited_purpose.immigration"
    assert search.result_count == 0
    assert search.decision["outcome"] == "hold" and search.decision["engine_version"]
    assert search.decision["evidence"]
    [event] = search_events(city_a)
    assert event.outcome == "denied" and event.details["outcome"] == "hold"
    assert event.details["evidence"] and event.details["engine_version"] == search.decision["engine_version"]


def test_every_decision_records_the_engine_version(city_a, officer_a, camera_1):
    result = search_run(grant=grant_for(officer_a, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert result.allowed
    with city_scope(city_a):
        search = Search.objects.get(pk=result.search.pk)
    assert search.decision["outcome"] == "allow" and search.decision["engine_version"]
