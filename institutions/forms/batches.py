"""Forms of the batch pages (239号 二(二)): the list's filters, the plan, eligibility, rooms, uploads,
scores and exit remedies."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from institutions.choices import EligibilityBasis, EvaluationType, ExitRemedyChoice, QuestionSource
from institutions.forms.institutions import DATE_INPUT, reason_the_model_requires
from institutions.models import Institution
from skilleval.choices import RegionKind
from skilleval.models import Occupation, Region


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
