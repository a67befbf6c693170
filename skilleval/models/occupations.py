from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models.functions import Cast, Left
from django.utils.translation import gettext_lazy as _

from skilleval.choices import (
    LEVEL_NAMES_EN,
    SCHOOL_ROUTES,
    Level,
    TrainingRoute,
    in_chinese,
    in_english,
)

EVALUABLE_MAJOR_GROUPS = (3, 4, 5, 6)  # 54号 三; enforced by the rule occupation.evaluable


class Occupation(models.Model):
    """An occupation (职业) or work type (工种) of the 国家职业分类大典 (2022 edition).

    The code reads 大类-中类-小类-细类, e.g. 6-18-01-01 车工; a 工种 below a 细类 adds a fifth part.
    """

    code = models.CharField(_("职业编码"), max_length=20, unique=True)
    name = models.CharField(_("职业名称"), max_length=100)
    major_group = models.GeneratedField(
        verbose_name=_("大类"),
        expression=Cast(Left("code", 1), models.PositiveSmallIntegerField()),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    work_type = models.CharField(
        _("工种/职业方向"), max_length=100, blank=True, help_text=_("无则留空，证书上显示“--”")
    )
    is_active = models.BooleanField(_("在用"), default=True)
    # 实施意见 四: access-type (准入类) qualifications stay vocational qualifications, evaluated by the
    # government's appraisal bodies; they never left the catalog (239号) and are not certified as
    # skill levels (41号 二(二)).
    is_access_type = models.BooleanField(
        _("准入类职业资格"),
        default=False,
        help_text=_("保留在国家职业资格目录内的准入类技能人员职业资格（实施意见 四）"),
    )
    # 239号: the batch (1 or 2) in which this occupation's level-evaluation vocational
    # qualification left the national catalog; empty when it never was one.
    vq_exit_batch = models.PositiveSmallIntegerField(
        _("水平评价类职业资格退出批次"),
        null=True,
        blank=True,
        choices=[(1, _("第一批")), (2, _("第二批"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("职业（工种）")
        verbose_name_plural = _("职业（工种）")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}(-[0-9]{2})?$"),
                name="occupation_code_format",
                violation_error_message=_("职业编码格式应为 大类-中类-小类-细类，如 6-18-01-01"),
            ),
            models.CheckConstraint(
                condition=models.Q(is_access_type=False) | models.Q(vq_exit_batch__isnull=True),
                name="occupation_access_type_never_exited",
                violation_error_message=_(
                    "准入类职业资格保留在国家职业资格目录内，不属于退出目录的水平评价类职业（实施意见 四）"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def level_numbers(self) -> list[int]:
        return sorted(ol.level for ol in self.levels.all())


class OccupationLevel(models.Model):
    """A level that the occupation's standard defines; no other level may be evaluated (54号 三)."""

    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("等级"), choices=Level.choices)
    # The technical-resource catalog (54号 三), kept by province admins.
    has_national_standard = models.BooleanField(_("有国家职业技能标准"), default=False)
    has_question_bank = models.BooleanField(_("有评价题库"), default=False)
    has_provincial_spec = models.BooleanField(
        _("有省级评价规范（已纳入技术资源发布目录）"), default=False
    )
    provincial_spec_name = models.CharField(_("省级评价规范名称"), max_length=200, blank=True)
    resources_updated_at = models.DateTimeField(_("技术资源更新时间"), null=True, blank=True)

    class Meta:
        ordering = ["occupation__code", "-level"]
        verbose_name = _("职业等级")
        verbose_name_plural = _("职业等级")
        constraints = [
            models.UniqueConstraint(
                fields=["occupation", "level"],
                name="occupation_level_unique",
                violation_error_message=_("该职业已有此等级"),
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5),
                name="occupation_level_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.occupation} {self.get_level_display()}"

    @property
    def resource_facts(self) -> dict:
        """The facts the rule institution.scope_allows needs about technical resources."""
        return {
            "has_national_standard": self.has_national_standard,
            "has_question_bank": self.has_question_bank,
            "has_provincial_spec": self.has_provincial_spec,
        }


# The application conditions (申报条件) of the common template of the national occupational skill
# standards (国家职业技能标准编制技术规程, 2018 edition), per level: a candidate qualifies by any one.
# Province admins adjust an occupation-level's conditions where its own standard differs.
STANDARD_CONDITIONS = {
    5: [
        dict(
            label=_("累计从事本职业或相关职业工作1年（含）以上"),
            label_en="At least 1 year in the occupation or a related one",
            min_work_years=1,
        ),
        dict(
            label=_("本职业或相关职业学徒期满"),
            label_en="Completed an apprenticeship in the occupation or a related one",
            required_route=TrainingRoute.APPRENTICESHIP,
        ),
    ],
    4: [
        dict(
            label=_("取得五级/初级工证书后，累计从事本职业或相关职业工作4年（含）以上"),
            label_en="Level 5 certificate, then at least 4 years in the occupation",
            required_prior_level=5,
            min_years_since_prior=4,
        ),
        dict(
            label=_("累计从事本职业或相关职业工作6年（含）以上"),
            label_en="At least 6 years in the occupation or a related one",
            min_work_years=6,
        ),
        dict(
            label=_("技工学校或中等及以上职业学校本专业或相关专业毕业（含应届毕业生）"),
            label_en="Graduate of a technical or vocational school in the trade (incl. final-year students)",
            required_route=TrainingRoute.TECHNICAL_SCHOOL,
        ),
    ],
    3: [
        dict(
            label=_("取得四级/中级工证书后，累计从事本职业或相关职业工作5年（含）以上"),
            label_en="Level 4 certificate, then at least 5 years in the occupation",
            required_prior_level=4,
            min_years_since_prior=5,
        ),
        dict(
            label=_(
                "取得四级/中级工证书，并具有高级技工学校、技师学院或高等职业学校本专业毕业证书（含应届毕业生）"
            ),
            label_en="Level 4 certificate and graduate of a senior technical school, technician "
            "college or higher vocational school in the trade",
            required_prior_level=4,
            required_route=TrainingRoute.SENIOR_TECHNICAL_SCHOOL,
        ),
        dict(
            label=_(
                "具有大专及以上本专业或相关专业毕业证书，并取得四级/中级工证书后，累计从事本职业或相关职业工作2年（含）以上"
            ),
            label_en="Junior college degree or higher, level 4 certificate, then at least 2 years "
            "in the occupation",
            required_prior_level=4,
            min_years_since_prior=2,
            min_education=4,
        ),
    ],
    2: [
        dict(
            label=_("取得三级/高级工证书后，累计从事本职业或相关职业工作4年（含）以上"),
            label_en="Level 3 certificate, then at least 4 years in the occupation",
            required_prior_level=3,
            min_years_since_prior=4,
        ),
        dict(
            label=_(
                "取得三级/高级工证书的高级技工学校、技师学院毕业生，累计从事本职业或相关职业工作3年（含）以上"
            ),
            label_en="Level 3 certificate, graduate of a senior technical school or technician "
            "college, at least 3 years in the occupation",
            required_prior_level=3,
            required_route=TrainingRoute.SENIOR_TECHNICAL_SCHOOL,
            min_work_years=3,
        ),
        dict(
            label=_("取得预备技师证书的技师学院毕业生，累计从事本职业或相关职业工作2年（含）以上"),
            label_en="Technician college graduate of the preparatory technician class, at least 2 "
            "years in the occupation",
            required_route=TrainingRoute.PREPARATORY_TECHNICIAN,
            min_work_years=2,
        ),
    ],
    1: [
        dict(
            label=_("取得二级/技师证书后，累计从事本职业或相关职业工作4年（含）以上"),
            label_en="Level 2 certificate, then at least 4 years in the occupation",
            required_prior_level=2,
            min_years_since_prior=4,
        ),
    ],
}


def full_years_between(earlier: date, later: date) -> Decimal:
    """Years from one date to another counted in whole months, to the day: 2020-06-30 to
    2024-06-29 is 3 years 11 months, to 2024-06-30 it is 4 years."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return Decimal(months) / 12


class ApplicationConditionManager(models.Manager):
    def add_standard_template(self, occupation_level) -> list["ApplicationCondition"]:
        """Give an occupation-level the common template's conditions, unless it has its own."""
        if occupation_level.conditions.exists():
            return []
        return self.bulk_create(
            ApplicationCondition(occupation_level=occupation_level, **condition)
            for condition in STANDARD_CONDITIONS[occupation_level.level]
        )


class ApplicationCondition(models.Model):
    """One way to qualify for an occupation-level (申报条件, from the national standard): a candidate
    qualifies when any one of the level's conditions is met. Kept by province admins."""

    occupation_level = models.ForeignKey(
        OccupationLevel, on_delete=models.CASCADE, related_name="conditions"
    )
    label = models.CharField(_("条件说明"), max_length=200)
    label_en = models.CharField(_("条件说明（英文）"), max_length=200, blank=True)
    min_work_years = models.DecimalField(
        _("累计从事本职业年限（年）"), max_digits=4, decimal_places=1, default=0
    )
    required_prior_level = models.PositiveSmallIntegerField(
        _("须已取得的等级"), choices=Level.choices, null=True, blank=True, help_text=_("空：不要求")
    )
    min_years_since_prior = models.DecimalField(
        _("取得该等级后年限（年）"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    min_education = models.PositiveSmallIntegerField(_("最低学历"), null=True, blank=True)
    required_route = models.CharField(
        _("须具备的学校或学徒经历"),
        max_length=30,
        choices=TrainingRoute.choices,
        blank=True,
        help_text=_("空：不要求"),
    )

    objects = ApplicationConditionManager()

    class Meta:
        ordering = ["occupation_level", "id"]
        verbose_name = _("申报条件")
        verbose_name_plural = _("申报条件")

    def __str__(self):
        return f"{self.occupation_level}: {self.label}"

    def unmet(
        self, *, work_years, current_level, current_level_obtained_on, education, route, on: date
    ) -> list[tuple[str, str]]:
        """What a candidate lacks for this condition on a date, as (Chinese, English) phrases;
        empty when met. A level number is higher for a lower level: 4 (中级工) is above 5."""
        missing = []
        if self.min_work_years and (work_years is None or work_years < self.min_work_years):
            years = f"{self.min_work_years.normalize():f}"
            missing.append((f"从业年限不足 {years} 年", f"fewer than {years} years of work"))
        if self.required_prior_level is not None:
            prior = Level(self.required_prior_level)
            if current_level is None or current_level > self.required_prior_level:
                missing.append(
                    (
                        f"未取得{in_chinese(prior.label)}证书",
                        f"no {LEVEL_NAMES_EN[prior]} certificate",
                    )
                )
            elif self.min_years_since_prior and (
                current_level_obtained_on is None
                or full_years_between(current_level_obtained_on, on) < self.min_years_since_prior
            ):
                years = f"{self.min_years_since_prior.normalize():f}"
                missing.append(
                    (
                        f"取得{in_chinese(prior.label)}证书后不满 {years} 年",
                        f"less than {years} years since the {LEVEL_NAMES_EN[prior]} certificate",
                    )
                )
        if self.min_education is not None and (education is None or education < self.min_education):
            missing.append(("学历不符", "education below the requirement"))
        if self.required_route and not route_satisfies(route, self.required_route):
            required = TrainingRoute(self.required_route)
            missing.append(
                (f"不具备：{in_chinese(required.label)}", f"not: {in_english(required.label)}")
            )
        return missing


def route_satisfies(route: str, required: str) -> bool:
    if route == required:
        return True
    if route in SCHOOL_ROUTES and required in SCHOOL_ROUTES:
        return SCHOOL_ROUTES.index(route) >= SCHOOL_ROUTES.index(required)
    return False
