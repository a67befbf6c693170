from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from audits.models import refresh_summary
from audits.reviews import half_just_ended, run_review


@shared_task
def run_half_year_quality_review(year: int | None = None, half: int | None = None, user_id=None):
    """The twice-yearly quality review (54号 五). The beat schedule runs it on 1 January and 1 July
    for the half-year that just ended; a province user's request passes the half-year and user.
    A re-run adds a new version of the review."""
    if year is None or half is None:
        year, half = half_just_ended(timezone.localdate())
    user = get_user_model().objects.get(pk=user_id) if user_id else None
    review = run_review(year, half, user=user)
    return {
        "review": review.pk,
        "year": year,
        "half": half,
        "version": review.version,
        "institutions": review.totals["institutions"],
        "flagged_institutions": review.totals["flagged_institutions"],
    }


@shared_task
def refresh_statistics_summary():
    """Rebuild the certificate summary the statistics pages read (issue 15); nightly by beat."""
    refreshed = refresh_summary()
    return {"covers_until": refreshed.covers_until.isoformat()}
