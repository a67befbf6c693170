"""Forms of the institution pages: registration, branches, staff accounts, contacts, the catalog
status, and the technical resources catalog (54号 三). They collect input; the models decide."""

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from institutions.choices import CatalogAction, InstitutionKind
from institutions.models import Institution
from skilleval.choices import Level
from skilleval.models import OccupationLevel, Region, User

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
