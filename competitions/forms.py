"""Forms of the competition pages. They collect input; the models and rules decide (fees 54号 二,
events 54号 三, eligibility 54号 一), and their refusals are shown next to the form."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from competitions.choices import HonourKind
from competitions.contestant_import import already_registered, check_id_number, identity_fields
from competitions.models import Competition, Contestant, Event
from institutions.choices import CatalogStatus, IdType
from institutions.models import Institution
from skilleval.choices import Level
from skilleval.forms import add_refusal
from skilleval.models import Occupation, Region
from skilleval.models.regions import PROVINCE_CODE

OUTSIDE_JIANGSU = _("省外 / 无")


def regions_by_city(*, province: bool = False, blank: str = "---------") -> list:
    """Region choices grouped by city (<optgroup>): the city itself first, then its counties."""
    groups: dict[str, list] = {}
    names: dict[str, str] = {}
    for region in Region.objects.exclude(kind="province").order_by("code"):
        if region.kind == "city":
            names[region.code] = region.name
            groups.setdefault(region.code, []).append(
                (region.pk, gettext("%(city)s（全市）") % {"city": region.name})
            )
        else:
            groups.setdefault(region.parent_id, []).append((region.pk, region.name))
    choices = [("", blank)]
    if province:
        choices.append((PROVINCE_CODE, gettext("江苏省（全省）")))
    choices.extend((names[code], items) for code, items in groups.items())
    return choices


class CompetitionForm(forms.ModelForm):
    """A competition with everything 54号 and 附件3 ask for. The regions involved are ticked as
    cities and as counties; the fees are shown, and any non-zero fee is refused (54号 二)."""

    involved_cities = forms.ModelMultipleChoiceField(
        label=_("涉及参赛地区：设区市"),
        queryset=Region.objects.cities(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    involved_counties = forms.ModelMultipleChoiceField(
        label=_("涉及参赛地区：区（县）"),
        queryset=Region.objects.counties().select_related("parent"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Competition
        fields = [
            "name",
            "organiser_name",
            "kind",
            "competition_class",
            "host_region",
            "other_provinces",
            "starts_on",
            "ends_on",
            "conditions",
            "contact_phone",
        ]
        labels = {
            "name": _("竞赛名称"),
            "organiser_name": _("主办单位"),
            "kind": _("竞赛级别"),
            "competition_class": _("类别"),
            "host_region": _("举办地"),
            "other_provinces": _("涉及的其他省份"),
            "starts_on": _("开始日期"),
            "ends_on": _("结束日期"),
            "conditions": _("参赛条件"),
            "contact_phone": _("报名电话"),
        }
        help_texts = {
            "other_provinces": _(
                "跨省办赛填写，如 安徽省、浙江省；由相关省级人社部门共同会签（54号 二）"
            ),
            "conditions": _("向社会公布（54号 附件3），如 年龄、从业年限、现有等级要求"),
        }
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "conditions": forms.Textarea(attrs={"rows": 3}),
            "contact_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_region"].widget.choices = regions_by_city(province=True)
        self.fields["competition_class"].widget.choices = [
            ("", gettext("—（无）")),
            (1, gettext("一类赛")),
            (2, gettext("二类赛")),
        ]
        if self.instance.pk:
            involved = list(self.instance.regions_involved.all())
            self.initial["involved_cities"] = [r.pk for r in involved if r.kind == "city"]
            self.initial["involved_counties"] = [r.pk for r in involved if r.kind == "county"]

    def county_groups(self) -> list[tuple[str, list]]:
        """The county checkboxes grouped under their city, for the template."""
        cities = dict(Region.objects.cities().values_list("code", "name"))
        groups: dict[str, list] = {}
        for box in self["involved_counties"]:
            code = str(box.data["value"])
            groups.setdefault(cities.get(code[:4] + "00", ""), []).append(box)
        return list(groups.items())

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", gettext("结束日期不能早于开始日期"))
        if self.instance.pk:
            try:
                self.instance.refuse_basis_change(set(self.changed_data))
            except ValidationError as refusal:
                add_refusal(self, refusal)
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # The rule competition.fees_allowed (the model's clean) and the check constraints repeat
        # what is already said: keep the rule's message, which names the fee and the clause.
        errors = self.errors.get("__all__")
        if errors:
            repeated = {c.get_violation_error_message() for c in Competition._meta.constraints}
            kept = [e for e in errors if e not in repeated]
            if kept:
                self.errors["__all__"] = self.error_class(kept)
            else:
                del self.errors["__all__"]

    def save(self, commit=True):
        competition = super().save(commit=commit)
        if commit:
            competition.regions_involved.set(
                [*self.cleaned_data["involved_cities"], *self.cleaned_data["involved_counties"]]
            )
        return competition


class EventForm(forms.Form):
    """Add an event (赛项) by the occupation code of the 大典: one whole occupation (54号 三)."""

    occupation_code = forms.CharField(
        label=_("职业编码"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "6-18-01-01"}),
    )

    def __init__(self, *args, competition: Competition, **kwargs):
        super().__init__(*args, **kwargs)
        self.competition = competition

    def clean_occupation_code(self):
        code = self.cleaned_data["occupation_code"].strip()
        occupation = Occupation.objects.filter(code=code, is_active=True).first()
        if occupation is None:
            raise ValidationError(
                gettext("职业目录中没有编码为“%(code)s”的职业（工种），不得擅造职业名称（54号 三）")
                % {"code": code}
            )
        self.occupation = occupation
        return code

    def clean(self):
        cleaned = super().clean()
        if hasattr(self, "occupation"):
            event = Event(competition=self.competition, occupation=self.occupation)
            try:
                event.full_clean()
            except ValidationError as refusal:
                add_refusal(self, refusal)
            self.event = event
        return cleaned

    def save(self) -> Event:
        self.event.save()
        return self.event


class ContestantForm(forms.ModelForm):
    """One contestant. Regions left blank mean outside Jiangsu; eligibility (54号 一) and
    out-of-area status are decided by the model when it is saved."""

    id_number = forms.CharField(label=_("证件号码"), max_length=30)

    class Meta:
        model = Contestant
        fields = [
            "event",
            "name",
            "id_type",
            "id_number",
            "group",
            "pension_region",
            "pension_months",
            "hukou_region",
            "school_name",
            "school_region",
            "current_level",
            "work_years",
        ]
        labels = {
            "event": _("赛项"),
            "name": _("姓名"),
            "id_type": _("证件类型"),
            "group": _("组别"),
            "pension_region": _("养老保险参保地"),
            "pension_months": _("省内参保月数"),
            "hukou_region": _("户籍地"),
            "school_name": _("就读院校"),
            "school_region": _("院校所在地"),
            "current_level": _("现有等级"),
            "work_years": _("从业年限"),
        }
        widgets = {
            "pension_months": forms.NumberInput(attrs={"step": "1", "min": "0", "max": "1200"}),
            "work_years": forms.NumberInput(attrs={"step": "0.1", "min": "0"}),
        }

    def __init__(self, *args, competition: Competition, **kwargs):
        super().__init__(*args, **kwargs)
        self.competition = competition
        self.instance.competition = competition
        events = competition.events.select_related("occupation")
        self.fields["event"].queryset = events
        if len(events) == 1:
            self.fields["event"].initial = events[0].pk
            self.fields["event"].empty_label = None
        self.fields["event"].label_from_instance = lambda e: (
            f"{e.occupation.name}（{e.occupation.code}）"
        )
        for name in ("pension_region", "hukou_region", "school_region"):
            self.fields[name].widget.choices = regions_by_city(blank=OUTSIDE_JIANGSU)
            self.fields[name].queryset = Region.objects.exclude(kind="province")
        self.fields["pension_region"].help_text = _("不在江苏省参保则不选")
        self.fields["school_region"].help_text = _(
            "学生组：在江苏省技工、职业或高等院校就读的，选择院校所在地"
        )
        self.fields["current_level"].choices = [("", gettext("无")), *Level.choices]
        self.fields["id_type"].initial = IdType.RESIDENT_ID

    def clean(self):
        cleaned = super().clean()
        raw = cleaned.get("id_number")
        if raw is not None and cleaned.get("id_type"):
            number, problem = check_id_number(cleaned["id_type"], raw)
            if problem:
                self.add_error("id_number", " / ".join(problem))
            else:
                cleaned["id_number"] = number
                event = cleaned.get("event")
                if event is not None and already_registered(event, number):
                    self.add_error(
                        "id_number",
                        gettext("该选手已报名本赛项"),
                    )
                for name, value in identity_fields(number).items():
                    setattr(self.instance, name, value)
        return cleaned


class ContestantImportForm(forms.Form):
    file = forms.FileField(
        label=_("选手名单（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label=_("意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecideForm(forms.Form):
    """Approve or reject (the button pressed says which), with an optional opinion."""

    opinion = forms.CharField(
        label=_("意见"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decision = forms.ChoiceField(choices=[("approve", _("同意备案")), ("reject", _("不予备案"))])


class RecognitionDecisionForm(forms.Form):
    """Grant or refuse a proposed recognition; a city or county grants level 2 or below."""

    decision = forms.ChoiceField(choices=[("grant", _("认定")), ("refuse", _("不予认定"))])
    level = forms.TypedChoiceField(
        label=_("认定等级"),
        choices=[("", "—"), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class DelegationForm(forms.Form):
    """54号 四: the host city names the organiser's certifying institution and the basis."""

    institution = forms.ModelChoiceField(
        label=_("受托核发证书的评价机构"),
        queryset=Institution.objects.filter(catalog_status=CatalogStatus.ACTIVE).order_by("name"),
    )
    note = forms.CharField(label=_("委托依据（文号）"), max_length=300)


class CompetitionFeeForm(forms.Form):
    """A fee item of a competition (54号 二): any name, and 0 — the model refuses anything else,
    naming the fee."""

    name = forms.CharField(label=_("费用名称"), max_length=50)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        initial=Decimal(0),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


class HonourForm(forms.Form):
    """An honour to record (实施意见 十六); the model decides who, when and at which level."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    kind = forms.ChoiceField(label=_("荣誉类别"), choices=HonourKind.choices)
    title = forms.CharField(
        label=_("荣誉名称"),
        max_length=100,
        required=False,
        help_text=_("其他表彰填写表彰文件中的荣誉称号，如“南京市技术能手”"),
    )
    awarding_body = forms.CharField(label=_("表彰部门"), max_length=100)
    document_number = forms.CharField(label=_("表彰文号"), max_length=60)
    awarded_on = forms.DateField(
        label=_("表彰日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    occupation = forms.ModelChoiceField(label=_("职业（工种）"), queryset=Occupation.objects.all())
    level = forms.TypedChoiceField(
        label=_("认定等级"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—"), *Level.choices],
        help_text=_("三项最高荣誉直接认定为一级/高级技师，无需选择；其他表彰选择二级/技师及以下"),
    )


class HonourRefuseForm(forms.Form):
    reason = forms.CharField(label=_("不予认定理由"), max_length=500)
