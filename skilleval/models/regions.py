from django.db import models

from skilleval.choices import RegionKind

# Jiangsu's own code (GB/T 2260): a region scope of 江苏省 means the whole province.
PROVINCE_CODE = "320000"


class RegionQuerySet(models.QuerySet):
    def cities(self):
        return self.filter(kind=RegionKind.CITY)

    def counties(self):
        return self.filter(kind=RegionKind.COUNTY)


class Region(models.Model):
    """An administrative division of Jiangsu by its GB/T 2260 code: the province, a 设区市, or a 区/县."""

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=40)
    kind = models.CharField("级别", max_length=10, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # 昆山市, 泰兴市 and 沭阳县 are addressed by the notices directly (省直管).
    directly_managed = models.BooleanField("省直管", default=False)
    complaint_hotline = models.CharField("监督举报电话", max_length=40, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^32[0-9]{4}$"),
                name="region_code_is_jiangsu_gbt2260",
                violation_error_message="行政区划代码须为江苏省 GB/T 2260 六位代码 / Not a Jiangsu GB/T 2260 code",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=RegionKind.PROVINCE, parent__isnull=True)
                | (~models.Q(kind=RegionKind.PROVINCE) & models.Q(parent__isnull=False)),
                name="region_only_province_has_no_parent",
                violation_error_message="只有省级区划没有上级 / Only the province has no parent",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def city(self) -> "Region | None":
        """The 设区市 this region belongs to (itself for a city)."""
        if self.kind == RegionKind.CITY:
            return self
        if self.kind == RegionKind.COUNTY:
            return self.parent
        return None
