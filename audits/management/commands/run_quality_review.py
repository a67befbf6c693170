"""Run the twice-yearly quality review (54号 五) for any half-year, on demand:

    manage.py run_quality_review --year 2026 --half 1

Without arguments it reviews the half-year that ended last (what the beat schedule does). Each
run is kept as a new version; nothing is replaced.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audits.models import ReviewFlag, ReviewRow
from audits.reviews import half_just_ended, run_review


class Command(BaseCommand):
    help = "Compute the half-year quality review (54号 五) and print a summary."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--half", type=int, choices=(1, 2))
        parser.add_argument("--user", help="username recorded as the one who ran it")
        parser.add_argument("--top", type=int, default=10, help="flagged institutions to list")

    def handle(self, *args, year, half, user, top, **options):
        today = timezone.localdate()
        if (year is None) != (half is None):
            raise CommandError("give both --year and --half, or neither")
        if year is None:
            year, half = half_just_ended(today)
        if not 2019 <= year <= today.year:
            raise CommandError(f"--year must be between 2019 and {today.year}")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"no user {user!r}")

        review = run_review(year, half, user=account)
        totals = review.totals
        self.stdout.write(self.style.SUCCESS(f"{review} (#{review.pk})"))
        self.stdout.write(f"评估期 / period     {review.period_start} – {review.period_end}")
        self.stdout.write(f"用时 / time         {totals['seconds']} s")
        self.stdout.write(
            f"机构 / institutions {totals['institutions']}，有问题标记 / flagged "
            f"{totals['flagged_institutions']}"
        )
        previous = review.compared_with
        previous_totals = previous.totals if previous else {}
        self.stdout.write(
            f"对比 / compared with {previous}" if previous else "对比 / compared with: —"
        )
        for field, value in totals["indicators"].items():
            label = ReviewRow._meta.get_field(field).verbose_name
            line = f"  {label:<14} {value:>10}"
            before = previous_totals.get("indicators", {}).get(field)
            if before is not None and field != "rush_share":
                line += f"  ({value - before:+})"
            self.stdout.write(line)
        self.stdout.write("问题标记 / flags:")
        for code, count in totals["flags"].items():
            self.stdout.write(f"  {ReviewFlag(code).label:<48} {count:>6}")
        flagged = (
            review.rows.filter(flag_count__gt=0)
            .select_related("institution")
            .order_by("-flag_count", "institution__name")[:top]
        )
        if flagged:
            self.stdout.write(f"标记最多的机构 / most flagged (top {top}):")
            for row in flagged:
                labels = "、".join(str(label) for label in row.flag_labels)
                self.stdout.write(f"  {row.institution.name}: {labels}")
