"""The demo as a new user meets it: every seeded object's page opens for every demo account that
may see it (200), and answers 404 or 403 to those who may not — never a server error."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from institutions.choices import FilingStatus
from skilleval.celery import app as celery_app
from skilleval.management.commands.seed_demo import ACCOUNTS

pytestmark = pytest.mark.django_db


def detail_pages():
    from audits.models import Complaint, QualityReview, SpotCheck
    from certificates.models import Certificate
    from competitions.models import Competition, Honour
    from institutions.models import Batch, Filing, Institution

    return [
        ("filing-detail", Filing),
        ("institution-detail", Institution),
        ("batch-detail", Batch),
        ("certificate-detail", Certificate),
        ("competition-detail", Competition),
        ("honour-detail", Honour),
        ("complaint-detail", Complaint),
        ("spot-check-detail", SpotCheck),
        ("quality-review-detail", QualityReview),
    ]


def test_every_seeded_page_opens_for_each_demo_account_that_may_see_it_and_no_other():
    from skilleval.models import User

    call_command("seed_demo", stdout=io.StringIO())
    client = Client(raise_request_exception=False)
    wrong = []
    opened = 0
    for username in ["root", *(account[0] for account in ACCOUNTS)]:
        user = User.objects.get(username=username)
        client.force_login(user)
        for name, model in detail_pages():
            objects = list(model.objects.all())
            assert objects, f"the demo has no {model.__name__}"
            visible = set(model.objects.visible_to(user).values_list("pk", flat=True))
            for obj in objects:
                status = client.get(reverse(name, args=[obj.pk])).status_code
                expected = {200} if obj.pk in visible else {403, 404}
                if status not in expected:
                    wrong.append(f"{username} {name} #{obj.pk}: {status}, expected {expected}")
                opened += status == 200
    assert wrong == []
    assert opened > 300  # the province accounts alone open every page


def test_seeded_filings_carry_who_filed_and_who_decided_like_the_pages_make_them():
    """Seeded as with a broker configured (REDIS_URL): the seed runs its jobs itself, as no
    worker could see into its transactions, and leaves the setting as it found it."""
    from certificates.models import Certificate
    from institutions.models import Filing

    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        call_command("seed_demo", stdout=io.StringIO())
        assert celery_app.conf.task_always_eager is False
    finally:
        celery_app.conf.task_always_eager = eager
    assert Certificate.objects.filter(batch__isnull=False).exists()  # the issuance job ran

    for filing in Filing.objects.exclude(status=FilingStatus.DRAFT):
        assert filing.submitted_by is not None and filing.submitted_at is not None, filing
        assert filing.submitted_by.institution_id in (
            filing.institution_id,
            filing.institution.parent_id,
        )
    for filing in Filing.objects.filter(status__in=[FilingStatus.APPROVED, FilingStatus.REJECTED]):
        assert filing.decided_by is not None and filing.decided_at is not None, filing
        assert filing.may_be_decided_by(filing.decided_by)
    branch = Filing.objects.get(institution__parent__isnull=False).institution
    assert branch.announced_on is not None  # started by the approval (41号 三(五))
