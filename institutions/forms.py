"""Forms of the institution pages. They collect input; the models decide (clean(), the filing
workflow, the catalog), and their refusals are shown next to the form that caused them."""

from datetime import date, timedelta

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from institutions.choices import (
    CatalogAction,
    EligibilityBasis,
    EvaluationType,
    ExitRemedyChoice,
    FilingStatus,
    InstitutionKind,
    QuestionSource,
)
from institutions.models import Filing, Institution
from skilleval.choices import Level, RegionKind
from skilleval.models import Occupation, OccupationLevel, Region, User
from skilleval.models.occupations import EVALUABLE_MAJOR_GROUPS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ASSOCIATION_CHOICES = [
    ("", _("不是协会")),
    ("true", _("是协会，已与主管部门脱钩")),
    ("false", _("是协会，未与主管部门脱钩")),
]


def counties_by_city() -> list:
    """County choices grouped by city (<optgroup>), so the list reads by city even without script."""
    groups: dict[str, list] = {}
    for county in Region.objects.counties().select_related("parent").order_by("code"):
        groups.setdefault(county.parent.name, []).append((county.pk, county.name))
    return [("", "---------"), *groups.items()]


def reason_the_model_requires(label, *, max_length: int = 500, rows: int = 2) -> forms.CharField:
    """A reason the model requires: the browser asks for it, but the form lets an empty one
    through, so that the model refuses it with its own message and clause."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, "required": True}),
    )


class InstitutionFieldsMixin:
    """City and county selects that filter each other (static/js/institution-form.js), and the
    41号 二(一) questions asked the same way on every form."""

    def setup_fields(self):
        self.fields["city"].queryset = Region.objects.cities()
        self.fields["city"].widget.attrs["data-role"] = "city"
        self.fields["county"].queryset = Region.objects.counties()
        self.fields["county"].widget.choices = counties_by_city()
        self.fields["county"].widget.attrs["data-role"] = "county"
        self.fields["county"].required = True
        self.fields["association_decoupled"] = forms.NullBooleanField(
            label=gettext("是否为协会"),
            required=False,
            widget=forms.Select(choices=ASSOCIATION_CHOICES),
        )


class InstitutionRegistrationForm(InstitutionFieldsMixin, forms.ModelForm):
    """An institution registering itself; model validation (USCC check character, county in
    city, 41号 二(一)) runs in full_clean through the ModelForm."""

    class Meta:
        model = Institution
        fields = [
            "name",
            "kind",
            "uscc",
            "city",
            "county",
            "responsible_person",
            "contact_person",
            "contact_phone",
            "address",
            "is_government_department",
            "owned_by_government",
            "association_decoupled",
            "non_professional_association",
        ]
        labels = {
            "name": _("机构名称"),
            "kind": _("机构类型"),
            "uscc": _("统一社会信用代码"),
            "city": _("所在设区市"),
            "county": _("所在区（县）"),
            "responsible_person": _("负责人"),
            "contact_person": _("联系人"),
            "contact_phone": _("联系电话"),
            "address": _("地址"),
            "is_government_department": _("本单位是政府部门"),
            "owned_by_government": _("本单位是政府部门所属单位"),
            "non_professional_association": _("本单位是非专业行业协会"),
        }
        widgets = {"uscc": forms.TextInput(attrs={"autocapitalize": "characters"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_fields()

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()


class BranchForm(InstitutionRegistrationForm):
    """A branch (分支机构) of a social training evaluation organisation, registered where it is
    located (41号 三(四)); the kind is fixed and the parent is the organisation."""

    class Meta(InstitutionRegistrationForm.Meta):
        fields = [f for f in InstitutionRegistrationForm.Meta.fields if f != "kind"]
        labels = {**InstitutionRegistrationForm.Meta.labels, "name": _("分支机构名称")}

    def __init__(self, *args, parent: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.parent = parent
        self.instance.kind = InstitutionKind.SOCIAL_ORG


class StaffAccountForm(UserCreationForm):
    """The institution's first staff account; Django's password validators apply."""

    class Meta(UserCreationForm.Meta):
        model = User
        labels = {"username": _("用户名")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)


class ContactsForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["contact_person", "contact_phone", "address"]
        labels = InstitutionRegistrationForm.Meta.labels


class NewFilingForm(forms.Form):
    province_level = forms.BooleanField(label=_("向省人社厅备案（省级备案）"), required=False)


class CatalogStatusForm(forms.Form):
    action = forms.ChoiceField(choices=CatalogAction.choices, widget=forms.HiddenInput)
    reason = reason_the_model_requires(_("原因"), max_length=300)


# --- filings -------------------------------------------------------------------------------


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


# --- technical resources (54号 三) ----------------------------------------------------------

RESOURCE_CHOICES = [
    ("", _("全部")),
    ("national", _("有国家标准和题库")),
    ("provincial", _("有省级评价规范")),
    ("none", _("均无")),
]


class TechnicalResourceFilterForm(forms.Form):
    q = forms.CharField(label=_("编码或名称"), required=False)
    major_group = forms.TypedChoiceField(
        label=_("大类"),
        choices=[("", _("全部")), *[(n, format_lazy(_("第{}大类"), n)) for n in range(1, 9)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    level = forms.TypedChoiceField(
        label=_("等级"),
        choices=[("", _("全部")), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    resources = forms.ChoiceField(label=_("技术资源"), choices=RESOURCE_CHOICES, required=False)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            queryset = queryset.filter(
                Q(occupation__code__startswith=q) | Q(occupation__name__contains=q)
            )
        if data["major_group"]:
            queryset = queryset.filter(occupation__major_group=data["major_group"])
        if data["level"]:
            queryset = queryset.filter(level=data["level"])
        if data["resources"] == "national":
            queryset = queryset.filter(has_national_standard=True, has_question_bank=True)
        elif data["resources"] == "provincial":
            queryset = queryset.filter(has_provincial_spec=True)
        elif data["resources"] == "none":
            queryset = queryset.exclude(has_national_standard=True, has_question_bank=True).exclude(
                has_provincial_spec=True
            )
        return queryset


class TechnicalResourceForm(forms.ModelForm):
    """Province admins keep the technical-resource catalog per occupation-level (54号 三)."""

    class Meta:
        model = OccupationLevel
        fields = [
            "has_national_standard",
            "has_question_bank",
            "has_provincial_spec",
            "provincial_spec_name",
        ]
        labels = {
            "has_national_standard": _("有国家职业技能标准"),
            "has_question_bank": _("有评价题库"),
            "has_provincial_spec": _("有省级评价规范（已纳入《江苏省技术资源发布目录》）"),
            "provincial_spec_name": _("省级评价规范名称"),
        }

    def clean(self):
        data = super().clean()
        if data.get("has_provincial_spec") and not data.get("provincial_spec_name", "").strip():
            self.add_error(
                "provincial_spec_name",
                gettext("请填写省级评价规范名称"),
            )
        return data

    def save(self, commit=True):
        self.instance.resources_updated_at = timezone.now()
        return super().save(commit)


# --- evaluation batches (239号 二(二)) -----------------------------------------------------


class BatchListFilterForm(forms.Form):
    """The batch list's filters; the institution select offers only the institutions the user
    sees (BatchFilterSet applies the values, within the user's scope)."""

    institution = forms.ModelChoiceField(
        label=_("评价机构"), queryset=Institution.objects.none(), required=False
    )
    occupation = forms.CharField(label=_("职业编码"), required=False)
    exam_from = forms.DateField(label=_("考试日期自"), required=False, widget=DATE_INPUT)
    exam_to = forms.DateField(label=_("考试日期至"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.visible_to(user).order_by("name")


def filed_regions(scope) -> list:
    """The regions a batch may be held in: the filed scope's regions, expanded (the province →
    every city and county; a city → it and its counties)."""
    scope = scope.regions if scope else []
    codes = {r.code for r in scope}
    if any(r.kind == RegionKind.PROVINCE for r in scope):
        regions = Region.objects.exclude(kind=RegionKind.PROVINCE)
    else:
        regions = Region.objects.filter(Q(code__in=codes) | Q(parent_id__in=codes))
    return list(regions.order_by("code"))


class BatchPlanForm(forms.Form):
    """Institution staff plan a batch. The choices come from the valid filing (occupation-level,
    region); the model still checks everything (54号 五, 239号 四) and its refusals are shown."""

    # Only asked when the user acts for several (an organisation and its branches).
    institution = forms.ModelChoiceField(
        label=_("评价机构"), queryset=Institution.objects.none(), required=False
    )
    occupation_level = forms.ChoiceField(label=_("职业（工种）和等级"))
    region = forms.ModelChoiceField(label=_("考试地区"), queryset=Region.objects.none())
    evaluation_type = forms.ChoiceField(label=_("评价类型"), choices=())
    exam_starts_on = forms.DateField(label=_("考试开始日期"), widget=DATE_INPUT)
    exam_ends_on = forms.DateField(label=_("考试结束日期"), widget=DATE_INPUT)
    venue = forms.CharField(label=_("考试地点"), max_length=200)
    examiners = forms.CharField(
        label=_("考评人员（每行一人）"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Self-made papers are offered so that the model's 239号 四 refusal is what the user reads.
    question_source = forms.ChoiceField(label=_("试题来源"), choices=())
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
    graduate_cohort = forms.BooleanField(
        label=_("2020年下半年技工院校、职业院校毕业生评价"),
        required=False,
        help_text=_(
            "苏人社函〔2020〕239号 二(四)：第一批退出目录的职业由院校组织职业技能等级认定，"
            "第二批由设区市组织日常鉴定"
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluation_type"].choices = EvaluationType.choices
        self.fields["question_source"].choices = QuestionSource.choices
        institutions = Institution.objects.filter(
            Q(pk=user.institution_id) | Q(parent_id=user.institution_id)
        ).order_by("parent_id", "name")
        self.fields["institution"].queryset = institutions
        self.own = institutions[0] if len(institutions) == 1 else None
        if self.own:
            self.fields["institution"].initial = self.own.pk
            self.fields["institution"].widget = forms.HiddenInput()
        institution = self._institution(institutions)
        today = timezone.localdate()
        scope = institution.filed_scope(today) if institution else None
        items = scope.items if scope else []
        self.fields["occupation_level"].choices = [
            ("", "---------"),
            *[
                (
                    f"{item.occupation.pk}:{item.level}",
                    f"{item.occupation.code} {item.occupation.name} · {item.get_level_display()}",
                )
                for item in items
            ],
        ]
        regions = filed_regions(scope)
        self.fields["region"].queryset = Region.objects.filter(code__in=[r.code for r in regions])
        self.fields["region"].label_from_instance = lambda r: f"{r.code} {r.name}"
        self.scope = scope

    def _institution(self, institutions):
        chosen = self.data.get("institution") or self.fields["institution"].initial
        return next((i for i in institutions if str(i.pk) == str(chosen)), None)

    def clean_institution(self):
        institution = self.cleaned_data["institution"] or self.own
        if institution is None:
            raise ValidationError(gettext("请选择评价机构"))
        return institution

    def clean_occupation_level(self):
        occupation_id, _, level = self.cleaned_data["occupation_level"].partition(":")
        occupation = Occupation.objects.filter(pk=occupation_id).first()
        if occupation is None or not level.isdigit():
            raise ValidationError(gettext("请选择职业和等级"))
        return occupation, int(level)


class EligibilityDecisionForm(forms.Form):
    """A reviewer's pass or fail for the selected candidates, with basis and reason (54号 一)."""

    candidates = forms.ModelMultipleChoiceField(label=_("考生"), queryset=None, required=False)
    all_pending = forms.BooleanField(label=_("所有待审核考生（不必逐个勾选）"), required=False)
    passed = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("通过")), ("0", _("不通过"))],
        coerce=lambda v: v == "1",
    )
    basis = forms.ChoiceField(label=_("申报依据"), choices=())
    # The model refuses an empty reason with its own message.
    reason = forms.CharField(label=_("审核意见"), max_length=300, required=False)

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidates"].queryset = batch.candidates.all()
        self.fields["basis"].choices = EligibilityBasis.choices

    def clean(self):
        data = super().clean()
        if not data.get("candidates") and not data.get("all_pending"):
            raise ValidationError(gettext("请勾选考生"))
        return data


class ExamRoomForm(forms.Form):
    name = forms.CharField(label=_("考场名称"), max_length=50)
    capacity = forms.IntegerField(label=_("座位数"), min_value=1, max_value=500)


class BatchReasonForm(forms.Form):
    reason = reason_the_model_requires(_("原因"))


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("考生名单（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(gettext("只接受 .xlsx 或 .csv 文件"))
        return upload


class PhotoUploadForm(forms.Form):
    file = forms.FileField(
        label=_("照片 ZIP（文件名为证件号码）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip"}),
    )


SCORE = {"max_digits": 4, "decimal_places": 1, "min_value": 0, "max_value": 100, "required": False}


class ScoreRowForm(forms.Form):
    """One admitted candidate's scores; the candidate's record_scores() decides pass or fail."""

    theory = forms.DecimalField(label=_("理论知识"), **SCORE)
    practical = forms.DecimalField(label=_("操作技能"), **SCORE)
    comprehensive = forms.DecimalField(label=_("综合评审"), **SCORE)
    absent = forms.BooleanField(label=_("缺考"), required=False)


class ExitRemedyForm(forms.Form):
    """239号 二(二): what one candidate of an invalidated batch chose."""

    candidate = forms.ModelChoiceField(label=_("考生"), queryset=None)
    remedy = forms.ChoiceField(label=_("考生意愿"), choices=ExitRemedyChoice.choices)
    fee = forms.DecimalField(
        label=_("应退鉴定费用（元）"),
        max_digits=8,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("选择退费时填写"),
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].queryset = batch.candidates.order_by("pk")


class RefundConfirmForm(forms.Form):
    refunded_on = forms.DateField(
        label=_("退费日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
