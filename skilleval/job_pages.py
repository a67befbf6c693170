"""What a job's page tells a person: what the job is about, how far it got, what went wrong, row by
row, and what to download — in the reader's language, never the job's internals (result keys,
Python reprs, stored file paths, timings)."""

import ast
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.apps import apps
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from skilleval.choices import JobKind, JobStatus


def in_language(text: str, language: str | None = None) -> str:
    """One half of a bilingual "中文 / English" text: the English half for English readers,
    the Chinese half for everyone else; a text in one language is returned as it is."""
    zh, sep, en = (text or "").partition(" / ")
    if not sep:
        return text or ""
    return en.strip() if (language or get_language() or "").startswith("en") else zh.strip()


def in_both_languages(message, params: dict | None = None) -> str:
    """A (lazy) message kept on a job (its progress line, its errors) as "中文 / English", so that
    the job's page can show it later in whichever language its reader chose (in_language)."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            text = str(message)
        texts.append(text % params if params else text)
    return " / ".join(texts)


# An absolute path (an OSError names the file it could not open): never shown to a reader.
PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"]+){2,}")


def failure_lines(error: str) -> list[str]:
    """The lines of a failed job's error text. Jobs that failed before errors were written as
    text kept the repr of a list of messages ("['…', '…']"): read it back as the messages."""
    text = (error or "").strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            messages = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            messages = None
        if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
            return messages
    return [PATH.sub("…", line) for line in text.splitlines() if line.strip()]


@dataclass
class JobPage:
    job: object
    title: str
    back: tuple[str, str] | None = None  # (label, url) of what the job belongs to
    status: str = ""
    message: str = ""
    failure: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    facts: list[tuple[str, object]] = field(default_factory=list)
    downloads: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors_cut(self) -> bool:
        return self.error_count > len(self.errors)

    @property
    def errors_have_cells(self) -> bool:
        """Import errors point at a row and column; refusals of a whole batch do not."""
        return any(e["row"] or e["column"] for e in self.errors)


def _batch_of(job, user):
    # By name: the job models come before the apps whose jobs they run.
    Batch = apps.get_model("institutions", "Batch")
    batch_id = job.params.get("batch_id")
    if batch_id is None:
        return None
    return Batch.objects.visible_to(user).select_related("occupation").filter(pk=batch_id).first()


def _batch_label(batch) -> str:
    level = in_language(batch.get_level_display())
    return f"#{batch.pk} {batch.occupation.name} {level}"


def _file_name(file) -> str:
    # The upload's own name, without the storage folders and the suffix Django may add.
    return PurePosixPath(file.name).name if file else ""


def _error_rows(result: dict, language: str) -> list[dict]:
    rows = []
    for problem in result.get("errors") or []:
        if not isinstance(problem, dict):
            continue
        english = language.startswith("en")
        reason = problem.get("en" if english else "zh") or problem.get("zh")
        # Imports keep the column's English header beside its Chinese one (skilleval.imports).
        column = (english and problem.get("column_en")) or problem.get("column") or ""
        rows.append(
            {
                "row": problem.get("row") or "",
                "column": column,
                "value": problem.get("value") or "",
                "reason": reason or in_language(problem.get("reason", ""), language),
            }
        )
    return rows


def describe(job, user) -> JobPage:
    """The page of one job for one reader (the job is already in the reader's scope)."""
    language = get_language() or "zh-hans"
    result = job.result if isinstance(job.result, dict) else {}
    page = JobPage(job=job, title=in_language(job.get_kind_display(), language))
    page.status = in_language(job.get_status_display(), language)
    page.message = in_language(job.message, language)
    batch = _batch_of(job, user)
    upload = _file_name(job.input_file)

    if job.kind == JobKind.CERTIFICATE_ISSUANCE:
        if batch:
            page.title = _("批次 %(batch)s 证书核发") % {"batch": _batch_label(batch)}
        if job.status == JobStatus.SUCCEEDED:
            page.facts = [
                (_("核发证书"), result.get("certificates")),
                (_("首个证书编号"), result.get("first_number")),
                (_("末个证书编号"), result.get("last_number")),
            ]
            if batch:
                page.downloads.append(
                    (_("本批次证书列表"), f"{reverse('certificate-list')}?batch={batch.pk}")
                )
            page.downloads.append(
                (_("打印文件（合并 PDF）"), reverse("job-print-pdf", args=[job.pk]))
            )
    elif job.kind == JobKind.ROSTER_IMPORT:
        if batch:
            page.title = _("批次 %(batch)s 考生名单导入") % {"batch": _batch_label(batch)}
        if job.status == JobStatus.SUCCEEDED:
            page.facts = [(_("导入考生"), result.get("imported"))]
    elif job.kind == JobKind.OCCUPATION_IMPORT:
        page.back = (_("职业目录"), reverse("occupation-list"))
        if job.status == JobStatus.SUCCEEDED:
            page.facts = [
                (_("文件中的职业"), result.get("total")),
                (pgettext("occupations imported", "新增"), result.get("created")),
                (_("更新"), result.get("updated")),
                (_("未变"), result.get("unchanged")),
            ]
    if upload:
        page.facts.insert(0, (_("上传文件"), upload))
    if batch:
        page.back = (
            _("批次 %(batch)s") % {"batch": _batch_label(batch)},
            reverse("batch-detail", args=[batch.pk]),
        )
    page.facts = [(label, value) for label, value in page.facts if value not in (None, "")]

    if job.result_file:
        label = {
            JobKind.CERTIFICATE_ISSUANCE: _("电子证书（ZIP）"),
            JobKind.ROSTER_IMPORT: _("标注错误的名单（.xlsx）"),
        }.get(job.kind, _("结果文件"))
        if job.kind != JobKind.CERTIFICATE_ISSUANCE or job.status == JobStatus.SUCCEEDED:
            page.downloads.append((label, reverse("job-result", args=[job.pk])))

    if job.status == JobStatus.FAILED:
        page.errors = _error_rows(result, language)
        page.error_count = max(result.get("error_count") or 0, len(page.errors))
        lines = [in_language(line, language) for line in failure_lines(job.error)]
        # With the table, only the headline (the lines after it are the table's first rows).
        if job.kind == JobKind.CERTIFICATE_ISSUANCE and page.errors:
            page.failure = [_("批次不符合核发条件，没有核发证书：")]
        else:
            page.failure = lines[:1] if page.errors and lines else lines
        if not page.failure:
            page.failure = [_("任务失败，请联系管理员。")]
    return page
