"""Forms of the certificate pages: the public lookup, and the staff's revocation and correction.
They collect input; the models and certificates/lookup.py decide."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.choices import ProofReason
from certificates.lookup import normalise_code, normalise_name
from certificates.models import Certificate

NAME_MISSING = _("请填写姓名")
NUMBER_MISSING = _("请填写证件号码或证书编号")
REASON_MISSING = _("请填写原因")


class UnechoedTextInput(forms.TextInput):
    """A text input that never writes its value back into the page: an answer must not carry
    the full ID number, not even the one just typed."""

    def format_value(self, value):
        return None


class LookupForm(forms.Form):
    """Name plus the ID number or the certificate number, never one field alone. Posted, so
    the ID number never appears in a URL or an access log."""

    MODES = [
        ("id", _("证件号码")),
        ("number", _("证书编号")),
    ]

    mode = forms.ChoiceField(
        label=_("查询方式"),
        choices=MODES,
        initial="id",
        required=False,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("姓名"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=64,
        required=False,
        widget=UnechoedTextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": _("例如 32010219900101123X"),
            }
        ),
    )
    certificate_number = forms.CharField(
        label=_("证书编号"),
        max_length=64,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": _("例如 S000032000123265000001"),
            }
        ),
    )
    captcha_token = forms.CharField(required=False, widget=forms.HiddenInput)
    # The proof of work's answer, filled in by the browser (static/js/lookup-pow.js).
    captcha_answer = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        mode = data.get("mode") or "id"
        data["name"] = normalise_name(data.get("name"))
        # Only the chosen field counts; the other is dropped even if something was typed in it.
        keep, drop = (
            ("certificate_number", "id_number")
            if mode == "number"
            else ("id_number", "certificate_number")
        )
        data[keep], data[drop] = normalise_code(data.get(keep)), ""
        if not data["name"]:
            self.add_error("name", NAME_MISSING)
        if not data[keep]:
            self.add_error(keep, NUMBER_MISSING)
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("注销原因"),
        max_length=500,
        error_messages={"required": REASON_MISSING},
        widget=forms.TextInput(attrs={"placeholder": _("例如 督查发现违规发证（54号 五）")}),
    )


class RevokePersonForm(RevokeForm):
    """The person is named by an ID number typed in, or by one of their certificates (from the
    detail page, which never shows the full ID number)."""

    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    certificate = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["id_number", "certificate", "reason"]

    def clean_id_number(self):
        return normalise_code(self.cleaned_data["id_number"])

    def clean(self):
        data = super().clean()
        if not data.get("id_number") and not data.get("certificate"):
            self.add_error("id_number", gettext("请填写证件号码"))
        return data


class RevokeBatchForm(RevokeForm):
    batch = forms.IntegerField(widget=forms.HiddenInput)

    field_order = ["batch", "reason"]


class ProofForm(forms.Form):
    """239号 二(三): what the holder asks a proof for."""

    reason = forms.ChoiceField(label=_("原因"), choices=ProofReason.choices)
    detail = forms.CharField(
        label=_("说明"),
        max_length=300,
        required=False,
        help_text=_("例如 持证人申请遗失补办，经核对原发证记录无误"),
    )


class CorrectionForm(forms.Form):
    """A misspelt name or work type; the old values stay in the certificate's revision history."""

    holder_name = forms.CharField(label=_("姓名"), max_length=50)
    work_type = forms.CharField(
        label=_("工种/职业方向"),
        max_length=100,
        required=False,
        help_text=_("无则留空，证书上显示“--”"),
    )
    reason = forms.CharField(
        label=_("更正原因"), max_length=300, error_messages={"required": REASON_MISSING}
    )

    def __init__(self, *args, certificate: Certificate, **kwargs):
        self.certificate = certificate
        kwargs.setdefault(
            "initial", {field: getattr(certificate, field) for field in Certificate.CORRECTABLE}
        )
        super().__init__(*args, **kwargs)

    def clean_holder_name(self):
        return normalise_name(self.cleaned_data["holder_name"])

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(gettext("没有需要更正的内容"))
        return data

    def changes(self) -> dict:
        return {
            field: self.cleaned_data[field]
            for field in Certificate.CORRECTABLE
            if field in self.cleaned_data
            and self.cleaned_data[field] != getattr(self.certificate, field)
        }


class PdfCheckForm(forms.Form):
    pdf = forms.FileField(
        label=_("证书 PDF 文件"),
        help_text=_("选择平台签发或您下载的证书（证明）PDF，核验其电子签名和登记记录"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
