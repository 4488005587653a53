"""The review pages: who may see and act, CSV and PDF, marking, signing, a case in one step, the public list."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audits.models import AuditEvent
from audits.reviews.models import Finding, FindingStatus, Review, ReviewStatus
from audits.reviews.services import review_request, review_run
from portal.roles import Role
from portal.tenancy import city_scope
from sharing.models import RevocationCase, RevocationGrounds
from tests.audits.review_data import MONTH, Planter, at
from tests.factories import city_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def done_review(city_a):
    plant = Planter(city_a)
    usbp = plant.federal_agency()
    from tests.factories import partner_user

    agent = partner_user(usbp)
    plant.search(
        at(8, 9), user=agent, plate="SIDE001", outcome="denied", rule="agency.immigration_enforcement"
    )
    plant.search(at(8, 12), user=plant.partner, plate="SIDE001")
    plant.search(at(3), user=plant.partner, reason="Courtesy run for HSI, robbery")
    review = review_request(city=city_a, month=MONTH)
    review_run(review_id=review.pk)
    review.refresh_from_db()
    return review, plant


def login(client, user):
    client.force_login(user)
    return client


def url(name, review, **extra):
    return reverse(name, kwargs={"city_slug": review.city.slug, "public_id": review.public_id, **extra})


def test_the_review_page_shows_figures_findings_and_links(client, city_a, done_review):
    review, _ = done_review
    login(client, city_user(city_a, Role.AUDITOR))
    page = client.get(url("review_detail", review))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Compliance review of September 2026" in body
    assert 'class="hint">side.after_refusal<' in body and 'class="hint">side.proxy_wording<' in body
    assert 'id="review-csv"' in body and 'id="review-pdf"' in body
    assert "vendor/chartjs/chart.umd.min.js" in body
    filtered = client.get(url("review_detail", review), {"door": "side", "severity": "high"})
    assert 'class="hint">side.after_refusal<' in filtered.content.decode()
    assert 'class="hint">side.proxy_wording<' not in filtered.content.decode()
    assert client.get(url("review_detail", review), {"severity": "catastrophic"}).status_code == 400
    assert AuditEvent.objects.filter(city=city_a, event_type="review.viewed").exists()


def test_csv_and_pdf_of_the_whole_review(client, city_a, done_review):
    review, _ = done_review
    login(client, city_user(city_a, Role.CLERK))
    response = client.get(url("review_csv", review))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == Finding.all_cities.filter(review=review).count() >= 2
    assert all(row["evidence_searches"] for row in rows)
    pdf = client.get(url("review_pdf", review))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(city=city_a, event_type="review.exported").count() == 2


def test_officers_may_not_see_reviews_and_other_cities_get_404(client, city_a, city_b, done_review):
    review, _ = done_review
    login(client, city_user(city_a, Role.OFFICER))
    assert client.get(url("review_detail", review)).status_code == 403
    client.logout()
    login(client, city_user(city_b, Role.AUDITOR))
    assert client.get(url("review_detail", review)).status_code == 404
    other = reverse("review_detail", kwargs={"city_slug": city_b.slug, "public_id": review.public_id})
    assert client.get(other).status_code == 404


def test_chief_asks_for_a_past_month_and_bad_input_is_a_400(client, city_a):
    chief = city_user(city_a, Role.CHIEF)
    login(client, chief)
    list_url = reverse("review_list", kwargs={"city_slug": city_a.slug})
    assert client.post(list_url, {"month": "September"}).status_code == 400
    assert client.post(list_url, {"month": "2999-01"}).status_code == 400
    assert not Review.all_cities.exists()
    response = client.post(list_url, {"month": "2026-08"})
    review = Review.all_cities.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/reviews/{review.public_id}/")
    page = client.get(response["Location"])
    assert 'id="review-progress"' in page.content.decode()  # queued: progress is shown while it runs
    progress = client.get(url("review_progress", review)).json()
    assert progress["status"] == "queued" and progress["done"] is False
    client.logout()
    login(client, city_user(city_a, Role.CLERK))
    assert client.post(list_url, {"month": "2026-07"}).status_code == 403
    assert AuditEvent.objects.filter(city=city_a, event_type="review.refused").count() == 2


def test_mark_each_finding_then_the_chief_signs_and_the_public_sees_it(client, city_a, done_review):
    review, _ = done_review
    auditor = city_user(city_a, Role.AUDITOR)
    chief = city_user(city_a, Role.CHIEF)
    login(client, chief)
    client.post(url("review_sign", review))
    assert Review.all_cities.get(pk=review.pk).status == ReviewStatus.DONE  # findings still open
    refusal = AuditEvent.objects.get(city=city_a, event_type="review.refused")
    assert refusal.details["action"] == "sign" and refusal.outcome == "denied"
    client.logout()
    login(client, auditor)
    findings = list(Finding.all_cities.filter(review=review))
    empty = client.post(url("finding_mark", review, finding_id=findings[0].public_id), {"note": "  "})
    assert empty.status_code == 302
    assert Finding.all_cities.get(pk=findings[0].pk).status == FindingStatus.OPEN
    for finding in findings:
        client.post(
            url("finding_mark", review, finding_id=finding.public_id), {"note": "Checked the entries."}
        )
    assert not Finding.all_cities.filter(review=review, status=FindingStatus.OPEN).exists()
    client.logout()
    login(client, chief)
    client.post(url("review_sign", review))
    signed = Review.all_cities.get(pk=review.pk)
    assert signed.status == ReviewStatus.SIGNED and signed.signed_by == chief
    client.logout()
    public = client.get(reverse("city_public", kwargs={"city_slug": city_a.slug})).content.decode()
    assert "September 2026" in public
    section = public[public.index('id="public-reviews"') :]
    assert f"<td>{len(findings)}</td>" in section[: section.index("</table>")]
    assert "SIDE001" not in public


def test_a_finding_opens_a_revocation_case_in_one_step_with_its_evidence(client, city_a, done_review):
    review, plant = done_review
    finding = Finding.all_cities.get(review=review, kind="side.after_refusal")
    login(client, city_user(city_a, Role.CLERK))
    response = client.post(url("finding_revoke", review, finding_id=finding.public_id))
    case = RevocationCase.all_cities.get()
    assert response.status_code == 302 and str(case.public_id) in response["Location"]
    assert case.agency == plant.partner_agency
    assert case.grounds == RevocationGrounds.IMMIGRATION_ENFORCEMENT
    # The partner's search is attached (the immigration agency's refusal is about another agency).
    with city_scope(city_a):
        assert list(case.evidence_searches.values_list("plate_query", flat=True)) == ["SIDE001"]
        assert case.evidence_events.count() == 1
    assert Finding.all_cities.get(pk=finding.pk).revocation_case == case
    again = client.post(url("finding_revoke", review, finding_id=finding.public_id))
    assert again.status_code == 302 and RevocationCase.all_cities.count() == 1


def test_the_chief_cannot_open_a_case_nor_an_auditor_sign(client, city_a, done_review):
    review, _ = done_review
    finding = Finding.all_cities.filter(review=review).first()
    login(client, city_user(city_a, Role.CHIEF))
    assert client.post(url("finding_revoke", review, finding_id=finding.public_id)).status_code == 403
    client.logout()
    login(client, city_user(city_a, Role.AUDITOR))
    assert client.post(url("review_sign", review)).status_code == 403
    assert not RevocationCase.all_cities.exists()
    assert Review.all_cities.get(pk=review.pk).status == ReviewStatus.DONE


def test_operations_are_entered_by_chief_or_clerk(client, city_a):
    page = reverse("operation_list", kwargs={"city_slug": city_a.slug})
    login(client, city_user(city_a, Role.CLERK))
    bad = client.post(page, {"name": "Op", "starts_on": "2026-09-10", "ends_on": "2026-09-01"})
    assert bad.status_code == 400
    ok = client.post(
        page, {"name": "Operation Tidewater", "starts_on": "2026-09-10", "ends_on": "2026-09-12"}
    )
    assert ok.status_code == 302
    assert "Operation Tidewater" in client.get(page).content.decode()
    assert AuditEvent.objects.filter(city=city_a, event_type="review.operation_recorded").count() == 1


def test_the_review_csv_never_holds_a_live_spreadsheet_formula(client, city_a, done_review):
    review, _ = done_review
    Finding.all_cities.filter(review=review).update(note="=HYPERLINK(evil)", detail="@SUM(A1)")
    login(client, city_user(city_a, Role.CLERK))
    rows = list(csv.DictReader(io.StringIO(client.get(url("review_csv", review)).content.decode())))
    assert rows and all(row["note"] == "'=HYPERLINK(evil)" and row["detail"] == "'@SUM(A1)" for row in rows)
