"""The one grant: what a searcher may see of a city, built once, and the scope it enforces."""

import dataclasses
import pathlib
import re

import pytest

from audits.models import AuditEvent
from portal.roles import Role
from sharing.grants import RULE_AGREEMENT_OFFENSE_REQUIRED, grant_for
from sharing.models import Search
from sharing.selectors import ReadQuery
from sharing.services import city_policy_update, search_run
from tests.factories import city_user
from tests.sharing.conftest import PURPOSE, make_agreement, make_read

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]


def no_offense_required(city, chief):
    city_policy_update(city=city, by=chief, values={"require_offense_type": False})


def test_a_blank_offense_type_is_refused_under_an_agreement_scoped_to_offense_types(
    client, city_a, chief_a, kent, kent_detective, camera_1
):
    no_offense_required(city_a, chief_a)
    make_agreement(city_a, kent, permitted_offense_types=["robbery"])
    make_read(camera_1, "ABC1234")
    for blank in ("", "   "):
        result = search_run(
            grant=grant_for(kent_detective, city_a),
            query=ReadQuery(plate="ABC1234"),
            **{**PURPOSE, "offense_type": blank},
        )
        assert not result.allowed and result.reads == []
        assert RULE_AGREEMENT_OFFENSE_REQUIRED in result.decision.rules
        assert result.search.outcome == "denied" and result.search.result_count == 0
    # The same search naming a covered offense type is allowed.
    allowed = search_run(grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert allowed.allowed and len(allowed.reads) == 1


def test_the_blank_offense_is_refused_through_the_api_too(
    client, city_a, chief_a, kent, kent_detective, camera_1
):
    from rest_framework.authtoken.models import Token

    no_offense_required(city_a, chief_a)
    make_agreement(city_a, kent, permitted_offense_types=["robbery", "burglary"])
    make_read(camera_1, "ABC1234")
    token = Token.objects.create(user=kent_detective)
    response = client.post(
        f"/api/v1/c/{city_a.slug}/searches/",
        {"plate": "ABC1234", **PURPOSE, "offense_type": ""},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403 and RULE_AGREEMENT_OFFENSE_REQUIRED in response.json()["rules"]


def test_a_blank_offense_type_stays_allowed_where_nothing_limits_it(
    city_a, chief_a, kent, kent_detective, camera_1
):
    """Own officers and agreements without an offense scope follow the city's policy alone."""
    no_offense_required(city_a, chief_a)
    make_agreement(city_a, kent)
    make_read(camera_1, "ABC1234")
    blank = {**PURPOSE, "offense_type": ""}
    officer = city_user(city_a, Role.OFFICER)
    for user in (officer, kent_detective):
        result = search_run(grant=grant_for(user, city_a), query=ReadQuery(plate="ABC1234"), **blank)
        assert result.allowed, result.decision


def test_grants_say_what_each_persona_may_search(
    city_a, city_b, kent, kent_detective, camera_1, camera_2, officer_b
):
    make_agreement(
        city_a, kent, cameras=[camera_1], allow_partial_plate=True, permitted_offense_types=["robbery"]
    )
    officer = grant_for(city_user(city_a, Role.OFFICER), city_a)
    assert (
        officer.allows_search and officer.own_staff and officer.camera_ids is None and officer.partial_plates
    )
    partner = grant_for(kent_detective, city_a)
    assert partner.allows_search and partner.agreement is not None and not partner.own_staff
    assert partner.camera_ids == frozenset({camera_1.pk}) and partner.partial_plates
    assert partner.offense_types == frozenset({"robbery"}) and partner.retention_days == city_a.retention_days
    assert list(partner.cameras()) == [camera_1]
    clerk = grant_for(city_user(city_a, Role.CLERK), city_a)
    assert not clerk.allows_search and clerk.refusal == "access.role_not_permitted"
    assert grant_for(officer_b, city_a).refusal == "tenancy.not_member"
    assert grant_for(kent_detective, city_b).refusal == "agency.no_agreement"
    with pytest.raises(dataclasses.FrozenInstanceError):
        partner.partial_plates = False


def test_one_place_builds_a_grant_and_looks_an_agreement_up_for_access():
    """grep: ``SearchGrant(`` is constructed only in sharing/grants.py, and no other module filters
    agreements by partner and state to decide access (the staff pages list them, nothing more)."""
    builders, lookups = [], []
    for path in [*ROOT.glob("sharing/**/*.py"), *ROOT.glob("cameras/**/*.py"), *ROOT.glob("portal/**/*.py")]:
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        if re.search(r"\bSearchGrant\(", text):
            builders.append(path.relative_to(ROOT).as_posix())
        if path.name != "grants.py" and re.search(
            r"agreement_in_effect\(|_check_searcher|user_may_search", text
        ):
            lookups.append(path.relative_to(ROOT).as_posix())
    assert builders == ["sharing/grants.py"]
    assert lookups == []


def test_a_search_made_under_a_grant_records_its_agreement(city_a, kent, kent_detective, camera_1):
    agreement = make_agreement(city_a, kent)
    result = search_run(grant=grant_for(kent_detective, city_a), query=ReadQuery(plate="ABC1234"), **PURPOSE)
    assert Search.all_cities.get(pk=result.search.pk).agreement == agreement
    event = AuditEvent.objects.get(city=city_a, event_type="search.performed")
    assert event.details["agreement"] == str(agreement.public_id)
