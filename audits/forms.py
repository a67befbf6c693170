"""Forms of the audit pages. They collect input; the domain decides (audits/draws.py, the models),
and its refusals are shown next to the form that caused them, in their bilingual wording.

The public complaint form also lives here with what guards it: the attachment check and the
per-client rate limit, shared by the page and the API (54号 五: 严肃核实查处相关举报问题)."""

import secrets
import unicodedata
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image
from rest_framework.throttling import SimpleRateThrottle

from audits.choices import ComplaintStatus, Population
from audits.draws import date_range_problems, draw_arguments
from audits.models import Complaint, Finding, Inspector, Notice
from institutions.models import Institution
from skilleval.addresses import client_address
from skilleval.choices import PROVINCE_ROLES, Role
from skilleval.models import Occupation, Region, User
from skilleval.uploads import validate_document

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_MISSING = _("请填写原因")
# The words of Certificate.revoke_many, which checks again.
REVOCATION_REASON_MISSING = _("请填写注销原因")


def cities():
    return Region.objects.cities()


# --- the inspector pool -------------------------------------------------------------------------


class InspectorForm(forms.ModelForm):
    """A member of the pool: where they work decides where they may never be sent (回避)."""

    class Meta:
        model = Inspector
        fields = ["name", "city", "institution", "field", "active"]
        labels = {
            "name": _("姓名"),
            "city": _("所在设区市"),
            "institution": _("所在评价机构（如有）"),
            "field": _("专业领域"),
            "active": _("在库（可被抽取）"),
        }
        help_texts = {
            "institution": _("不会被派往本人所在设区市或所在机构（回避）"),
        }
        error_messages = {
            "name": {"required": _("请填写姓名")},
            "city": {"required": _("请选择所在设区市")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities()
        self.fields["institution"].queryset = Institution.objects.select_related("city").order_by(
            "city_id", "name"
        )


# --- spot checks (双随机) -------------------------------------------------------------------------


class DrawForm(forms.Form):
    """What to draw from; the seed is never chosen by the person drawing (no cherry-picking)."""

    population = forms.ChoiceField(
        label=_("抽查对象"),
        choices=Population.choices,
        initial=Population.INSTITUTIONS,
        widget=forms.RadioSelect,
    )
    date_from = forms.DateField(label=_("批次考试日期自"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("至"), required=False, widget=DATE_INPUT)
    city = forms.ModelChoiceField(
        label=_("设区市（选填）"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("全省"),
    )
    occupation = forms.CharField(
        label=_("职业编码（选填）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "6-18-01-01"}),
    )
    ratio = forms.DecimalField(
        label=_("抽查比例"),
        initial=Decimal("0.05"),
        min_value=Decimal("0.0001"),
        max_value=Decimal(1),
        max_digits=5,
        decimal_places=4,
        help_text=_("0.05 即 5%；不足 1 个时抽取 1 个"),
    )
    per_entity = forms.IntegerField(
        label=_("每个对象的检查人员数"),
        initial=2,
        min_value=1,
        max_value=10,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities()

    def clean_occupation(self):
        code = self.cleaned_data["occupation"].strip()
        if code and not Occupation.objects.filter(code=code).exists():
            raise ValidationError(gettext("职业目录中没有该职业编码"))
        return code

    def clean(self):
        data = super().clean()
        problems = date_range_problems(
            data.get("population"), data.get("date_from"), data.get("date_to")
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return data

    def draw_arguments(self) -> dict:
        """Keyword arguments for audits.draws.draw."""
        data = self.cleaned_data
        return draw_arguments(
            population=data["population"],
            ratio=data["ratio"],
            per_entity=data["per_entity"],
            city=data.get("city"),
            occupation_code=data.get("occupation", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class RedrawForm(forms.Form):
    reason = forms.CharField(
        label=_("重新抽取原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("例如 检查人员回避情况变化")}),
        error_messages={"required": _("重新抽取须说明原因")},
    )


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["outcome", "detail", "action_taken"]
        labels = {
            "outcome": _("检查结果"),
            "detail": _("情况说明"),
            "action_taken": _("处理措施"),
        }
        widgets = {"detail": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "action_taken": _("将随结果公开，例如 注销该批次证书、暂停评价资格"),
        }
        error_messages = {
            "outcome": {"required": _("请选择检查结果")},
            "detail": {"required": _("请填写情况说明")},
        }


class ResponseForm(forms.Form):
    institution_response = forms.CharField(
        label=_("机构回应"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": _("请填写回应内容")},
    )


# --- complaints (举报) ----------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}


def validate_attachment(upload) -> None:
    """A photo (JPEG, PNG) or a document (PDF, Office, OFD) of at most 10 MB, whose content
    matches its name: a renamed file is refused."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(gettext("附件不得超过 10 MB"), code="file_size")
    name = upload.name.lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in IMAGE_FORMATS:
        try:
            validate_document(upload)
        except ValidationError as refusal:
            if refusal.code == "file_type":
                raise ValidationError(
                    gettext("只接受 JPG、PNG 图片或 PDF、Word、Excel、OFD 文件"),
                    code="file_type",
                ) from None
            raise
        return
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds for a file that is not a readable image
        image_format = None
    finally:
        upload.seek(0)
    if image_format != IMAGE_FORMATS[extension]:
        raise ValidationError(
            gettext("文件内容与扩展名 .%(extension)s 不符") % {"extension": extension},
            code="file_content",
        )


def anonymous_name(upload):
    """Stored under a random name: the complainant's file name may name them."""
    extension = upload.name.lower().rsplit(".", 1)[-1] if "." in upload.name else "bin"
    upload.name = f"{secrets.token_hex(8)}.{extension}"
    return upload


def settle_city(complaint: Complaint) -> Complaint:
    """A complaint about a catalog institution belongs to the institution's city, so that city's
    staff see and handle it (属地管理); otherwise to the city the complainant chose, if any."""
    if complaint.institution_id:
        complaint.city_id = complaint.institution.city_id
    return complaint


class ComplaintForm(forms.ModelForm):
    """The public complaint form: no account needed."""

    class Meta:
        model = Complaint
        fields = [
            "target_type",
            "target_description",
            "institution",
            "city",
            "content",
            "contact",
            "attachment",
        ]
        labels = {
            "target_type": _("举报对象类型"),
            "target_description": _("举报对象"),
            "institution": _("涉及的评价机构（选填）"),
            "city": _("所在设区市（选填）"),
            "content": _("举报内容"),
            "contact": _("联系方式（选填）"),
            "attachment": _("附件（选填）"),
        }
        help_texts = {
            "target_description": _("机构名称、批次、竞赛名称或证书编号"),
            "institution": _("如在目录中，请选择，便于属地人社部门办理"),
            "content": _("时间、地点、经过，尽量具体"),
            "contact": _("仅用于核实情况，不会公开"),
            "attachment": _("JPG、PNG、PDF、Word、Excel 或 OFD，不超过 10 MB"),
        }
        error_messages = {
            "target_type": {"required": _("请选择举报对象类型")},
            "target_description": {"required": _("请填写举报对象")},
            "content": {"required": _("请填写举报内容")},
        }
        widgets = {
            "target_type": forms.RadioSelect,
            "content": forms.Textarea(attrs={"rows": 6}),
            "contact": forms.TextInput(attrs={"autocomplete": "tel"}),
            "attachment": forms.ClearableFileInput(
                attrs={"accept": ".jpg,.jpeg,.png,.pdf,.doc,.docx,.xls,.xlsx,.ofd"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_type"].choices = self.fields["target_type"].choices[1:]  # no "---"
        self.fields["institution"].queryset = (
            Institution.objects.in_catalog().select_related("city").order_by("city_id", "name")
        )
        self.fields["institution"].label_from_instance = lambda i: f"{i.name}（{i.city}）"
        self.fields["institution"].empty_label = gettext("未列出或不清楚")
        self.fields["city"].queryset = cities()
        self.fields["city"].empty_label = gettext("不清楚")

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if isinstance(upload, UploadedFile):
            validate_attachment(upload)
            anonymous_name(upload)
        return upload

    def save(self, commit=True):
        settle_city(self.instance)
        return super().save(commit=commit)


def normalise_reference(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


class ComplaintStatusForm(forms.Form):
    reference = forms.CharField(
        label=_("受理编号"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": _("请填写受理编号")},
    )

    def clean_reference(self):
        return normalise_reference(self.cleaned_data["reference"])


def assignable_users(complaint: Complaint):
    """Who may be given a complaint: province staff, or staff of the complaint's city."""
    condition = Q(role__in=PROVINCE_ROLES)
    if complaint.city_id:
        condition |= Q(role=Role.CITY_STAFF, city_id=complaint.city_id)
    return User.objects.filter(condition, is_active=True).order_by("role", "username")


class PublishOutcomeForm(forms.Form):
    """The summary of a concluded complaint's outcome for the public (实施意见 二十五). Not required
    here: Complaint.publish says what is missing, and first who may publish."""

    summary = forms.CharField(
        label=_("公开的处理结果摘要"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=_(
            "向社会公开，请另行撰写：不得抄录举报内容、联系方式或附件，不得含身份证号码、电话号码"
        ),
    )


class AdvanceForm(forms.Form):
    """The next step of a complaint: assigning names a handler, concluding records the outcome
    (required here in the words Complaint.advance refuses with; it checks again)."""

    assignee = forms.ModelChoiceField(
        label=_("承办人"),
        queryset=User.objects.none(),
        error_messages={"required": _("请指定承办人")},
    )
    outcome = forms.CharField(
        label=_("办理结果"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写办理结果")},
        help_text=_("办结后通过受理编号向举报人公开"),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.fields["assignee"].queryset = assignable_users(complaint)
        self.fields["assignee"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username}（{u.scope_label}）"
        )
        if complaint.status != ComplaintStatus.RECEIVED:
            del self.fields["assignee"]
        if complaint.status != ComplaintStatus.INVESTIGATING:
            del self.fields["outcome"]

    def advance_arguments(self) -> dict:
        return {
            "assignee": self.cleaned_data.get("assignee"),
            "outcome": self.cleaned_data.get("outcome", ""),
        }


# --- acting on findings (54号 五) -----------------------------------------------------------------


def normalise_id_number(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


class RevokePersonForm(forms.Form):
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("请填写证件号码")},
    )
    reason = forms.CharField(
        label=_("注销原因"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("例如 督查发现违规发证（54号 五）")}),
        error_messages={"required": REVOCATION_REASON_MISSING},
    )

    def clean_id_number(self):
        return normalise_id_number(self.cleaned_data["id_number"])


class RevokeBatchForm(forms.Form):
    batch = forms.IntegerField(
        label=_("批次编号"),
        min_value=1,
        error_messages={"required": _("请填写批次编号")},
    )
    reason = forms.CharField(
        label=_("注销原因"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("例如 抽查发现考务违规（54号 五）")}),
        error_messages={"required": REVOCATION_REASON_MISSING},
    )


class InstitutionActionForm(forms.Form):
    """A credit-check flag or a suspension: an institution in the user's scope and the reason."""

    institution = forms.ModelChoiceField(
        label=_("评价机构"),
        queryset=Institution.objects.none(),
        error_messages={"required": _("请选择评价机构")},
    )
    reason = forms.CharField(
        label=_("原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("例如 双随机抽查发现违规发证")}),
        error_messages={"required": REASON_MISSING},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (
            Institution.objects.visible_to(user).select_related("city").order_by("city_id", "name")
        )
        self.fields["institution"].label_from_instance = lambda i: f"{i.name}（{i.city}）"


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["title", "body", "institution"]
        labels = {
            "title": _("标题"),
            "body": _("正文"),
            "institution": _("涉及的评价机构（选填）"),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            "title": {"required": _("请填写标题")},
            "body": {"required": _("请填写正文")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.select_related("city").order_by(
            "city_id", "name"
        )
        self.fields["institution"].label_from_instance = lambda i: f"{i.name}（{i.city}）"


# --- rate limits of the public endpoints ----------------------------------------------------------


class _ClientThrottle(SimpleRateThrottle):
    rate_setting, default_rate = "", ""

    def get_rate(self):
        return getattr(settings, self.rate_setting, self.default_rate)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class ComplaintThrottle(_ClientThrottle):
    """Complaints accepted from one client address (page and API together)."""

    scope = "public-complaint"
    rate_setting, default_rate = "COMPLAINT_RATE_PER_CLIENT", "5/hour"


class ComplaintStatusThrottle(_ClientThrottle):
    """Status look-ups from one client address: references cannot be guessed by trying."""

    scope = "public-complaint-status"
    rate_setting, default_rate = "COMPLAINT_STATUS_RATE_PER_CLIENT", "20/minute"


def throttle_wait(throttle_class, request) -> int | None:
    """None when the request may go on (and it is counted), else the seconds to wait."""
    limiter = throttle_class()
    if limiter.allow_request(request, None):
        return None
    return int(limiter.wait() or 60) or 1
