"""The public catalog of evaluation institutions (苏人社办函〔2022〕54号 五, 附件2).

Who may evaluate what, where, until when, and how to reach them — published so that workers can
apply and the public can watch (能进能出, 实施意见 二十三). No login. Only institutions in the catalog
with an approved filing valid today appear; a branch still in its online announcement (中就培函
〔2020〕41号 三(五)) is listed apart, with the day its announcement ends.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import django_filters
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from institutions.choices import BatchStatus, InstitutionKind
from institutions.models import Batch, Filing, FilingItem, Institution
from skilleval import rules
from skilleval.choices import Level
from skilleval.filtersets import FilterSet
from skilleval.models import Region
from skilleval.models.regions import PROVINCE_CODE
from skilleval.rules.institutions import BranchAnnounced
from skilleval.spreadsheets import xlsx_response

PAGE_SIZE = 50

# Batches the public may still sign up for or sit: the plan is published, the exam not yet held.
UPCOMING_BATCH_STATUSES = (
    BatchStatus.PLAN_PUBLISHED,
    BatchStatus.ROSTER_ENTERED,
    BatchStatus.ELIGIBILITY_REVIEWED,
    BatchStatus.ROOMS_ARRANGED,
    BatchStatus.TICKETS_GENERATED,
)


def catalog_queryset(on: date) -> QuerySet[Institution]:
    """Institutions in the catalog on the day."""
    return Institution.objects.in_catalog(on).select_related("city", "county", "parent")


def _keep(queryset, name, value):
    return queryset  # occupation and level are applied together in filter_queryset


class CatalogFilterSet(FilterSet):
    """The public filters of 54号 附件2: city, occupation, level, kind, and the name."""

    q = django_filters.CharFilter(
        field_name="name", lookup_expr="contains", label=_("机构名称包含")
    )
    city = django_filters.ModelChoiceFilter(
        queryset=Region.objects.cities(), label=_("设区市"), empty_label=_("全部设区市")
    )
    occupation = django_filters.CharFilter(method=_keep, label=_("职业（工种）编码或名称"))
    level = django_filters.ChoiceFilter(
        choices=Level.choices, method=_keep, label=_("等级"), empty_label=_("全部等级")
    )
    kind = django_filters.ChoiceFilter(
        choices=InstitutionKind.choices, label=_("机构类型"), empty_label=_("全部类型")
    )

    class Meta:
        model = Institution
        fields = ["q", "city", "occupation", "level", "kind"]

    def __init__(self, *args, on: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        occupation = self.form.cleaned_data.get("occupation")
        level = self.form.cleaned_data.get("level")
        if occupation or level:
            # Both on the same item of one of the institution's valid filings (its scope is their
            # union): 车工 at level 4 is not matched by 车工 at level 5 plus another at level 4.
            items = FilingItem.objects.filter(
                filing__in=Filing.objects.valid_on(self.on), filing__institution=OuterRef("pk")
            )
            if occupation:
                items = items.filter(
                    Q(occupation__code__startswith=occupation)
                    | Q(occupation__name__contains=occupation)
                )
            if level:
                items = items.filter(level=level)
            queryset = queryset.filter(Exists(items))
        return queryset


def _bilingual(label) -> tuple[str, str]:
    """A choice label such as "用人单位 / Employer" as its Chinese and English parts."""
    zh, _sep, en = str(label).partition("/")
    if not en or not en.strip()[:1].isascii():
        return str(label), ""  # not bilingual, e.g. 四级/中级工
    return zh.strip(), en.strip()


def _in_language(label) -> str:
    """The part of a bilingual choice label for the reader's language."""
    zh, en = _bilingual(label)
    return en if en and (get_language() or "").startswith("en") else zh


@dataclass
class CatalogRow:
    """One line of the 54号 附件2 list. Values are plain text in Chinese, ready for the page and
    for the spreadsheet."""

    institution: Institution
    name: str
    parent_name: str
    kind: str
    city: str
    county: str
    occupations: list[str]
    regions: list[str]
    valid_from: date | None
    valid_until: date | None
    contact_person: str
    contact_phone: str
    upcoming_batches: list[str] = field(default_factory=list)
    announcement_ends: date | None = None

    @property
    def kind_label(self) -> str:
        return _in_language(self.institution.get_kind_display())


def catalog_rows(
    institutions: list[Institution], on: date, announcement_ends: dict | None = None
) -> list[CatalogRow]:
    """The catalog lines of these institutions (annotated by catalog_queryset), in their order.
    A fixed number of queries, however many institutions."""
    announcement_ends = announcement_ends or {}
    scopes = Filing.objects.filter(institution__in=[i.pk for i in institutions]).scopes(on)
    batches = defaultdict(list)
    for batch in (
        Batch.objects.filter(
            institution__in=[i.pk for i in institutions],
            status__in=UPCOMING_BATCH_STATUSES,
            exam_ends_on__gte=on,
        )
        .select_related("occupation", "region")
        .order_by("exam_starts_on", "pk")
    ):
        batches[batch.institution_id].append(
            f"{batch.exam_starts_on:%Y-%m-%d} {batch.occupation.name} "
            f"{batch.get_level_display()}（{batch.region.name}）"
        )

    rows = []
    for institution in institutions:
        scope = scopes.get(institution.pk)
        rows.append(
            CatalogRow(
                institution=institution,
                name=institution.name,
                parent_name=institution.parent.name if institution.parent_id else "",
                kind=_bilingual(institution.get_kind_display())[0],
                city=institution.city.name,
                county=institution.county.name if institution.county_id else "",
                occupations=_occupation_lines(scope),
                regions=_region_names(scope),
                valid_from=scope.valid_from if scope else None,
                valid_until=scope.valid_until if scope else None,
                contact_person=institution.contact_person,
                contact_phone=institution.contact_phone,
                upcoming_batches=batches[institution.pk],
                announcement_ends=announcement_ends.get(institution.pk),
            )
        )
    return rows


def _occupation_lines(scope) -> list[str]:
    """`6-18-01-01 车工：五级/初级工、四级/中级工` — one line per occupation, levels low to high;
    when the scope's filings end on different days, one line per occupation and end day."""
    if not scope:
        return []
    several_ends = len({f.valid_until for f in scope.filings}) > 1
    levels = defaultdict(list)
    for item in scope.items:
        levels[item.occupation, item.valid_until if several_ends else None].append(
            str(item.get_level_display())
        )
    return [
        f"{occupation.code} {occupation.name}：{'、'.join(names)}"
        + (gettext("（有效期至 %(until)s）") % {"until": f"{until:%Y-%m-%d}"} if until else "")
        for (occupation, until), names in levels.items()
    ]


def _region_names(scope) -> list[str]:
    if not scope:
        return []
    regions = scope.regions
    if any(region.code == PROVINCE_CODE for region in regions):
        return [gettext("江苏省（全省）")]
    return [region.name for region in regions]


def announcing_branches(queryset: QuerySet[Institution], on: date) -> dict[int, date | None]:
    """Branches that may not run batches yet (41号 三(五)), with the day their announcement ends.

    The rule institution.branch_announced decides, exactly as Institution.branch_announcement
    does; its parameters are read once for the day, not once per branch."""
    branches = list(queryset.filter(parent__isnull=False).values_list("pk", "announced_on"))
    if not branches:
        return {}
    rule = rules.get_rule(BranchAnnounced.id)
    if not rule.in_effect_on(on):
        return {}  # before 41号 三(五) no branch waited for an announcement
    params = rule.parameters_as_of(on)
    ends = {}
    for pk, announced_on in branches:
        outcome = rule.decide({"announced_on": announced_on, "on": on}, params, on)
        if not outcome.result["may_run"]:
            ends[pk] = outcome.result["announcement_ends"]
    return ends


@dataclass
class Catalog:
    """The filtered catalog on a day: the main list, and the branches still being announced."""

    filterset: CatalogFilterSet
    listed: QuerySet[Institution]
    announcing: QuerySet[Institution]
    announcement_ends: dict[int, date | None]


def filtered_catalog(params, on: date) -> Catalog:
    filterset = CatalogFilterSet(params, queryset=catalog_queryset(on), on=on)
    queryset = filterset.qs
    ends = announcing_branches(queryset, on)
    return Catalog(
        filterset=filterset,
        listed=queryset.exclude(pk__in=ends),
        announcing=queryset.filter(pk__in=ends),
        announcement_ends=ends,
    )


@require_safe
def catalog_page(request):
    """The public catalog page: filters, the list (50 a page), the branches under announcement."""
    on = timezone.localdate()
    catalog = filtered_catalog(request.GET, on)
    page = Paginator(catalog.listed, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    announcing = (
        sorted(catalog.announcing, key=lambda i: (catalog.announcement_ends[i.pk] or on, i.name))
        if catalog.announcement_ends
        else []
    )
    # One round of prefetching for both lists.
    rows = catalog_rows(listed + announcing, on, catalog.announcement_ends)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "institutions/catalog.html",
        {
            "filter": catalog.filterset,
            "page_obj": page,
            "rows": rows[: len(listed)],
            "announcing_rows": rows[len(listed) :],
            "export_query": query.urlencode(),
            "today": on,
        },
    )


EXPORT_HEADERS = [
    ("序号", 6),
    ("机构名称", 32),
    ("所属社会培训评价组织", 24),
    ("机构类型", 16),
    ("所在设区市", 10),
    ("所在区（县）", 12),
    ("评价职业（工种）及等级", 48),
    ("评价地域范围", 20),
    ("有效期自", 12),
    ("有效期至", 12),
    ("联系人", 10),
    ("联系电话", 16),
    ("近期评价批次", 40),
]


@require_safe
def catalog_export(request):
    """The same filtered main list as the page, all of it, as .xlsx: the 54号 附件2 table, in
    Chinese whatever the reader's language (headers and cells alike)."""
    on = timezone.localdate()
    catalog = filtered_catalog(request.GET, on)
    with translation.override("zh-hans"):
        rows = catalog_rows(list(catalog.listed), on)
    return xlsx_response(
        f"评价机构目录-{on:%Y%m%d}.xlsx",
        [header for header, _width in EXPORT_HEADERS],
        (
            [
                number,
                row.name,
                row.parent_name,
                row.kind,
                row.city,
                row.county,
                "\n".join(row.occupations),
                "、".join(row.regions),
                row.valid_from,
                row.valid_until,
                row.contact_person,
                row.contact_phone,
                "\n".join(row.upcoming_batches),
            ]
            for number, row in enumerate(rows, start=1)
        ),
        [width for _header, width in EXPORT_HEADERS],
        sheet_title="评价机构目录",
    )
