import json

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import FileExtensionValidator
from django.utils import timezone

from skilleval import proof_of_work
from skilleval.models.users import ACCOUNT_POW_SALT, AccountGuard, SignInRefused

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def add_refusal(form: forms.Form, refusal) -> None:
    """Put a domain refusal (ValidationError or PermissionDenied) on the form, every message in
    full (bilingual, with its clause)."""
    for message in getattr(refusal, "messages", None) or [str(refusal)]:
        form.add_error(None, message)


class JSONObjectField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "class": "mono"})

    def to_python(self, value):
        value = super().to_python(value)
        try:
            data = json.loads(value or "{}")
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"JSON 格式错误 / Invalid JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise forms.ValidationError("应为 JSON 对象 / Expected a JSON object")
        return data


class RuleSelfCheckForm(forms.Form):
    as_of = forms.DateField(
        label="评价日期 / As of", widget=forms.DateInput(attrs={"type": "date"})
    )
    facts = JSONObjectField(label="事实 / Facts (JSON)")


class ParameterVersionForm(forms.Form):
    effective_from = forms.DateField(
        label="生效日期 / Effective from", widget=forms.DateInput(attrs={"type": "date"})
    )
    parameters = JSONObjectField(label="参数 / Parameters (JSON)")
    note = forms.CharField(label="说明 / Note", max_length=300, required=False)


class OccupationImportForm(forms.Form):
    file = forms.FileField(
        label="职业目录文件（.xlsx 或 .csv）/ Occupation list (.xlsx or .csv)",
        validators=[FileExtensionValidator(["xlsx", "csv"])],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("文件不得超过 20 MB / The file may not exceed 20 MB")
        head = upload.read(4)
        upload.seek(0)
        # An .xlsx is a ZIP archive; refuse a renamed file of another type.
        if upload.name.lower().endswith(".xlsx") and head != b"PK\x03\x04":
            raise forms.ValidationError("不是有效的 .xlsx 文件 / Not a valid .xlsx file")
        return upload


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="名称（用途）/ Name (what it is for)",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "例如：成绩导入脚本 / e.g. score import script"}
        ),
    )


class SignInForm(AuthenticationForm):
    """The password step of the sign-in, behind the per-account guard (AccountGuard): a locked
    account or a missing proof of work is refused before the password is tried."""

    captcha_token = forms.CharField(required=False, widget=forms.HiddenInput)
    captcha_answer = forms.CharField(required=False, widget=forms.HiddenInput)

    challenge = None  # a proof of work the page must ask for

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if AxesProxyHandler.is_locked(self.request, {"username": username}):
            return super().clean()  # axes answers with its lockout page (429)
        try:
            AccountGuard.objects.gate(
                username,
                self.cleaned_data.get("captcha_token"),
                self.cleaned_data.get("captcha_answer"),
            )
        except SignInRefused as refusal:
            self.challenge = refusal.challenge
            raise forms.ValidationError(refusal.message, code="guarded") from None
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if username and error.code == "invalid_login":
                guard = AccountGuard.objects.record_failure(username)
                bits = guard.challenge_bits(timezone.now())
                if bits:  # the next try of this account needs it
                    self.challenge = proof_of_work.new_challenge(ACCOUNT_POW_SALT, bits)
            raise
        AccountGuard.objects.record_success(username)
        return cleaned
