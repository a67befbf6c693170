"""Forms of the filing pages (备案): the filed regions and occupations, materials, and the
decisions on a filing."""

from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from institutions.choices import FilingStatus
from institutions.forms.institutions import DATE_INPUT, reason_the_model_requires
from institutions.models import Filing, Institution
from skilleval.choices import Level, RegionKind
from skilleval.models import Occupation, Region
from skilleval.models.occupations import EVALUABLE_MAJOR_GROUPS


class FilingStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), *FilingStatus.choices],
        required=False,
    )


class RegionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, region):
        if region.kind == RegionKind.PROVINCE:
            return gettext("%(province)s（全省）") % {"province": region.name}
        return region.name


class RegionScopeForm(forms.Form):
    """地域范围 (54号 五): the whole province, cities, or counties of the institution's own city."""

    cities = RegionChoiceField(
        label=_("全省或设区市"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    counties = RegionChoiceField(
        label=_("本市区（县）"),
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cities"].queryset = Region.objects.filter(
            Q(kind=RegionKind.PROVINCE) | Q(kind=RegionKind.CITY)
        ).order_by("code")
        self.fields["counties"].queryset = Region.objects.filter(
            parent_id=institution.city_id
        ).order_by("code")
        self.fields["counties"].label = gettext("%(city)s所辖区（县）") % {"city": institution.city}

    @classmethod
    def for_filing(cls, filing, *args, **kwargs):
        current = list(filing.region_scope.values_list("code", flat=True))
        return cls(
            *args,
            institution=filing.institution,
            initial={"cities": current, "counties": current},
            **kwargs,
        )

    def clean(self):
        data = super().clean()
        regions = [*data.get("cities", []), *data.get("counties", [])]
        if not regions and not self.errors:
            raise ValidationError(gettext("请至少选择一个地区"))
        data["regions"] = regions
        return data


class OccupationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, occupation):
        return f"{occupation.code} {occupation.name}"


def evaluable_occupations():
    """Active occupations of 大类 3–6 (54号 三); the rule itself still refuses the rest."""
    return Occupation.objects.filter(is_active=True, major_group__in=EVALUABLE_MAJOR_GROUPS)


class FilingItemForm(forms.Form):
    occupation = OccupationChoiceField(label=_("职业（工种）"), queryset=Occupation.objects.none())
    # Every level is offered; the model refuses one the standard does not define (54号 三).
    level = forms.TypedChoiceField(
        label=_("等级"), choices=[("", "---------"), *Level.choices], coerce=int
    )
    enterprise_spec = forms.CharField(
        label=_("企业评价规范（用人单位，无国家标准时）"),
        help_text=_(
            "已报职业技能鉴定机构备案的企业评价规范名称及备案编号（苏人社办函〔2022〕54号 三）"
        ),
        max_length=200,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occupation"].queryset = evaluable_occupations()


class MaterialsForm(forms.Form):
    """One optional file input per checklist item (41号 附件); the model checks each file."""

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[self.field_name(kind)] = forms.FileField(
                required=False,
                widget=forms.ClearableFileInput(
                    attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.ofd"}
                ),
            )

    @staticmethod
    def field_name(kind: str) -> str:
        return f"file_{kind}"

    def uploads(self) -> dict:
        return {
            name.removeprefix("file_"): upload
            for name, upload in self.cleaned_data.items()
            if upload
        }


def three_years_from(day: date) -> date:
    """The last day of a three-year validity starting on `day` (valid_until is inclusive)."""
    try:
        end = day.replace(year=day.year + 3)
    except ValueError:  # from 29 February
        end = day.replace(year=day.year + 3, month=3, day=1)
    return end - timedelta(days=1)


SCOPE_REDUCTION_LABEL = _("我已知晓上列进行中的评价批次将超出备案范围，确认作出决定")


class ApproveForm(forms.Form):
    valid_from = forms.DateField(label=_("有效期自"), widget=DATE_INPUT)
    valid_until = forms.DateField(label=_("有效期至"), widget=DATE_INPUT)
    note = forms.CharField(label=_("审核意见"), max_length=500, required=False)
    # Asked for by the model only when open batches would fall outside (a replacing filing).
    confirm_scope_reduction = forms.BooleanField(label=SCOPE_REDUCTION_LABEL, required=False)

    def __init__(self, *args, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"valid_from": today, "valid_until": three_years_from(today)})
        super().__init__(*args, **kwargs)


class EndEarlyForm(forms.Form):
    """The filing authority ends an approved filing before its validity runs out."""

    last_day = forms.DateField(label=_("最后有效日"), widget=DATE_INPUT)
    reason = reason_the_model_requires(_("提前终止理由"))
    confirm_scope_reduction = forms.BooleanField(label=SCOPE_REDUCTION_LABEL, required=False)


class ReplacesForm(forms.Form):
    """Whether a draft adds to the institution's scope (the default) or replaces a filing."""

    replaces = forms.ModelChoiceField(
        label=_("本备案替换"),
        queryset=Filing.objects.none(),
        required=False,
        empty_label=_("不替换：在现有备案范围之外新增"),
    )

    def __init__(self, *args, filing, **kwargs):
        kwargs.setdefault("initial", {"replaces": filing.replaces_id})
        super().__init__(*args, **kwargs)
        field = self.fields["replaces"]
        field.queryset = Filing.objects.filter(
            institution_id=filing.institution_id,
            status=FilingStatus.APPROVED,
            valid_until__gte=timezone.localdate(),
        ).exclude(pk=filing.pk)
        field.label_from_instance = lambda f: (
            f"#{f.pk}（{f.valid_from:%Y-%m-%d} — {f.valid_until:%Y-%m-%d}）"
        )


class RejectForm(forms.Form):
    reason = reason_the_model_requires(_("不予备案理由"), rows=3)


class AdditionForm(FilingItemForm):
    """239号 三: city staff add an occupation to a still-valid filing after checking four things."""

    # Not required here: the model refuses an unchecked box and says which (239号 三).
    standard_ok = forms.BooleanField(label=_("评价标准已核实"), required=False)
    question_bank_ok = forms.BooleanField(label=_("评价试题已核实"), required=False)
    venue_ok = forms.BooleanField(label=_("场地设施已核实"), required=False)
    examiners_ok = forms.BooleanField(label=_("考评人员已核实"), required=False)
    note = forms.CharField(label=_("核实情况"), max_length=500, required=False)
