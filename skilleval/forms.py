import json

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
            raise forms.ValidationError(
                gettext("JSON 格式错误：%(error)s") % {"error": exc.msg}
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(gettext("应为 JSON 对象"))
        return data


class RuleSelfCheckForm(forms.Form):
    as_of = forms.DateField(label=_("评价日期"), widget=forms.DateInput(attrs={"type": "date"}))
    facts = JSONObjectField(label=_("事实"))


class ParameterVersionForm(forms.Form):
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    parameters = JSONObjectField(label=_("参数"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class OccupationImportForm(forms.Form):
    file = forms.FileField(
        label=_("职业目录文件（.xlsx 或 .csv）"),
        validators=[FileExtensionValidator(["xlsx", "csv"])],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(gettext("文件不得超过 20 MB"))
        head = upload.read(4)
        upload.seek(0)
        # An .xlsx is a ZIP archive; refuse a renamed file of another type.
        if upload.name.lower().endswith(".xlsx") and head != b"PK\x03\x04":
            raise forms.ValidationError(gettext("不是有效的 .xlsx 文件"))
        return upload


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("名称（用途）"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如：成绩导入脚本")}),
    )
