"""One review per city and month: under two beats, a retry, a killed worker and concurrent runs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audits.models import AuditEvent
from audits.reviews.models import Checkpoint, Finding, Review, ReviewStatus
from audits.reviews.services import (
    previous_month,
    review_claim,
    review_request,
    review_requeue_stale,
    review_run,
    review_schedule_due,
)
from portal.celery import app
from portal.roles import Role
from tests.audits.review_data import MONTH, Planter, at
from tests.conftest import REPO, requires_postgres, subprocess_env
from tests.factories import city_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _plant_findings(city):
    plant = Planter(city)
    plant.search(at(3), outcome="denied", rule="prohibited_purpose.immigration", reason="ICE")
    plant.search(at(4), reason="investigation")
    return plant


def test_the_beat_runs_on_the_first_of_each_month_on_the_reviews_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["compliance-review-monthly"]
    assert entry["schedule"].day_of_month == {1}
    assert app.amqp.router.route({}, entry["task"])["queue"].name == "reviews"
    assert app.amqp.router.route({}, "audits.tasks.review_run")["queue"].name == "reviews"


def test_two_beats_make_one_review_per_city(city_a, city_b):
    first = review_schedule_due()
    second = review_schedule_due()
    assert [r.pk for r in first] == [r.pk for r in second]
    assert Review.all_cities.count() == 2
    assert {r.month for r in first} == {previous_month(city_a), previous_month(city_b)}
    assert AuditEvent.objects.filter(event_type="review.requested").count() == 2


def test_a_retry_or_a_second_delivery_does_not_run_the_review_twice(city_a):
    _plant_findings(city_a)
    review = review_request(city=city_a, month=MONTH)
    done = review_run(review_id=review.pk)
    assert done.status == ReviewStatus.DONE
    assert Finding.all_cities.filter(review=review).count() == 2
    assert review_run(review_id=review.pk) is None  # the retry finds it done
    assert review_request(city=city_a, month=MONTH).pk == review.pk
    assert Finding.all_cities.filter(review=review).count() == 2
    assert AuditEvent.objects.filter(city=city_a, event_type="review.completed").count() == 1
    assert Checkpoint.objects.filter(city=city_a, reason="review").count() == 1


def test_a_live_claim_keeps_a_second_run_out_and_an_expired_one_lets_it_in(city_a):
    _plant_findings(city_a)
    review = review_request(city=city_a, month=MONTH)
    assert review_claim(review_id=review.pk) is not None  # a worker took it ...
    assert review_run(review_id=review.pk) is None  # ... so a duplicate delivery does nothing
    assert not Finding.all_cities.filter(review=review).exists()
    # ... and died: nothing but the claim was written; once the lease runs out, the run is redone.
    Review.all_cities.filter(pk=review.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert review_run(review_id=review.pk).status == ReviewStatus.DONE
    assert Finding.all_cities.filter(review=review).count() == 2
    assert Review.all_cities.get(pk=review.pk).attempts == 2


def test_on_demand_only_for_the_chief_or_an_auditor_and_only_for_past_months(city_a):
    chief = city_user(city_a, Role.CHIEF)
    officer = city_user(city_a, Role.OFFICER)
    with pytest.raises(PermissionDenied):
        review_request(city=city_a, month=MONTH, by=officer)
    with pytest.raises(ValidationError):
        review_request(city=city_a, month=timezone.localdate(), by=chief)
    assert not Review.all_cities.exists()
    review = review_request(city=city_a, month=MONTH, by=chief)
    assert review.requested_by == chief and review.status == ReviewStatus.QUEUED


KILLED_WORKER = textwrap.dedent(
    """
    import os, signal, sys, django
    django.setup()
    from audits.reviews import services
    token = services.review_claim(review_id=int(sys.argv[1]))
    assert token is not None
    services._progress(int(sys.argv[1]), token, 40, "Side door")
    os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-run
    """
)

CONCURRENT_RUN = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from audits.reviews import services
    print("ran" if services.review_run(review_id=int(sys.argv[1])) else "skipped")
    """
)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_loses_no_review_and_makes_no_second_one(city_a):
    _plant_findings(city_a)
    review = review_request(city=city_a, month=MONTH)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, str(review.pk)], cwd=REPO, env=subprocess_env(), timeout=120
    )
    assert killed.returncode == -9
    left = Review.all_cities.get(pk=review.pk)
    assert (left.status, left.progress) == (ReviewStatus.RUNNING, 40)
    assert not Finding.all_cities.filter(review=review).exists()
    assert review_requeue_stale() == []  # its lease still runs: nobody else takes it yet
    Review.all_cities.filter(pk=review.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert review_requeue_stale() == [review.pk]
    review_run(review_id=review.pk)
    assert Review.all_cities.filter(city=city_a).count() == 1
    assert Finding.all_cities.filter(review=review).count() == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_in_several_processes_write_one_set_of_findings(city_a):
    _plant_findings(city_a)
    review = review_request(city=city_a, month=MONTH)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_RUN, str(review.pk)],
            cwd=REPO,
            env=subprocess_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = sorted(p.communicate(timeout=120)[0].strip() for p in processes)
    assert outputs == ["ran", "skipped", "skipped"]
    assert Finding.all_cities.filter(review=review).count() == 2
