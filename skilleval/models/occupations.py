from django.db import models
from django.db.models.functions import Cast, Left

from skilleval.choices import Level

EVALUABLE_MAJOR_GROUPS = (3, 4, 5, 6)  # 54号 三; enforced by the rule occupation.evaluable


class Occupation(models.Model):
    """An occupation (职业) or work type (工种) of the 国家职业分类大典 (2022 edition).

    The code reads 大类-中类-小类-细类, e.g. 6-18-01-01 车工; a 工种 below a 细类 adds a fifth part.
    """

    code = models.CharField("职业编码", max_length=20, unique=True)
    name = models.CharField("职业名称", max_length=100)
    major_group = models.GeneratedField(
        verbose_name="大类",
        expression=Cast(Left("code", 1), models.PositiveSmallIntegerField()),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    work_type = models.CharField(
        "工种/职业方向", max_length=100, blank=True, help_text="无则留空，证书上显示“--”"
    )
    is_active = models.BooleanField("在用", default=True)
    # 239号: the batch (1 or 2) in which this occupation's level-evaluation vocational
    # qualification left the national catalog; empty when it never was one.
    vq_exit_batch = models.PositiveSmallIntegerField(
        "水平评价类职业资格退出批次", null=True, blank=True, choices=[(1, "第一批"), (2, "第二批")]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "职业（工种）"
        verbose_name_plural = "职业（工种）"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[1-8]-[0-9]{2}-[0-9]{2}-[0-9]{2}(-[0-9]{2})?$"),
                name="occupation_code_format",
                violation_error_message="职业编码格式应为 大类-中类-小类-细类，如 6-18-01-01 / "
                "Occupation code must look like 6-18-01-01",
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
    level = models.PositiveSmallIntegerField("等级", choices=Level.choices)
    # The technical-resource catalog (54号 三), kept by province admins.
    has_national_standard = models.BooleanField("有国家职业技能标准", default=False)
    has_question_bank = models.BooleanField("有评价题库", default=False)
    has_provincial_spec = models.BooleanField(
        "有省级评价规范（已纳入技术资源发布目录）", default=False
    )
    provincial_spec_name = models.CharField("省级评价规范名称", max_length=200, blank=True)
    resources_updated_at = models.DateTimeField("技术资源更新时间", null=True, blank=True)

    class Meta:
        ordering = ["occupation__code", "-level"]
        verbose_name = "职业等级"
        verbose_name_plural = "职业等级"
        constraints = [
            models.UniqueConstraint(
                fields=["occupation", "level"],
                name="occupation_level_unique",
                violation_error_message="该职业已有此等级 / This level is already defined",
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


class ApplicationCondition(models.Model):
    """One way to qualify for an occupation-level (申报条件, from the national standard): a candidate
    qualifies when any one of the level's conditions is met. Kept by province admins."""

    occupation_level = models.ForeignKey(
        OccupationLevel, on_delete=models.CASCADE, related_name="conditions"
    )
    label = models.CharField("条件说明", max_length=200)
    min_work_years = models.DecimalField(
        "累计从事本职业年限（年）", max_digits=4, decimal_places=1, default=0
    )
    required_prior_level = models.PositiveSmallIntegerField(
        "须已取得的等级", choices=Level.choices, null=True, blank=True, help_text="空：不要求"
    )
    min_years_since_prior = models.DecimalField(
        "取得该等级后年限（年）", max_digits=4, decimal_places=1, null=True, blank=True
    )
    min_education = models.PositiveSmallIntegerField("最低学历", null=True, blank=True)

    class Meta:
        ordering = ["occupation_level", "id"]
        verbose_name = "申报条件"
        verbose_name_plural = "申报条件"

    def __str__(self):
        return f"{self.occupation_level}: {self.label}"

    def unmet(self, *, work_years, current_level, years_since_current, education) -> list[str]:
        """What a candidate lacks for this condition (empty when met). A level number is higher for
        a lower level: level 4 (中级工) is above level 5 (初级工)."""
        missing = []
        if work_years is None or work_years < self.min_work_years:
            missing.append(f"从业年限不足 {self.min_work_years} 年")
        if self.required_prior_level is not None:
            if current_level is None or current_level > self.required_prior_level:
                missing.append(f"未取得{Level(self.required_prior_level).label}")
            elif (
                self.min_years_since_prior
                and (years_since_current or 0) < self.min_years_since_prior
            ):
                missing.append(
                    f"取得{Level(self.required_prior_level).label}后不满 {self.min_years_since_prior} 年"
                )
        if self.min_education is not None and (education is None or education < self.min_education):
            missing.append("学历不符")
        return missing
