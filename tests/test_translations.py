"""The chosen language alone shows: no interface text written as one bilingual literal
"中文 / English", every model label and choice has its English in the catalog, and the catalog
itself compiles."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

REPO = Path(__file__).resolve().parent.parent
PROJECT_APPS = ("skilleval", "institutions", "certificates", "competitions", "audits")
CATALOG = REPO / "locale" / "en" / "LC_MESSAGES" / "django.po"

CJK = re.compile(r"[\u3400-\u9fff]")
# Chinese, then " / " (or "）/ "), then a Latin letter or a placeholder: "尚未录入考生 / No candidates yet"
BILINGUAL = re.compile(r"[\u3400-\u9fff][^\n]*?(?: /|[）)」”]/) ?[A-Za-z{%]")
# Operators' output (management commands) may keep both languages: nobody reads it on a page.
NOT_SCANNED = ("migrations", ".venv", "management", "node_modules")

# Notice numbers and clause references may stay in Chinese (苏人社办函〔2022〕54号 五, 239号 三),
# and so may proper names.
CITATION = re.compile(
    r"(?:[\u4e00-\u9fff]*〔\d{4}〕)?\d+号"
    r"(?: ?附件\d*| ?[一二三四五六七八九十、]+(?:[(（][一二三四五六七八九十]+[)）])*)?"
)
PROPER_NAMES = ("江苏省",)


def untranslated(text: str) -> bool:
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    return bool(CJK.search(CITATION.sub("", text)))


def project_sources():
    for path in sorted(REPO.rglob("*.py")):
        parts = path.relative_to(REPO).parts
        if any(part in NOT_SCANNED for part in parts) or parts[0] == "tests":
            continue
        yield path


def literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def docstrings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                yield first.value


def bilingual_literals(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for value in node.values
    }
    skipped |= {id(docstring) for docstring in docstrings(tree)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        text = literal_text(node)
        if text is not None and BILINGUAL.search(text):
            yield node.lineno, text


def test_no_interface_text_is_written_in_both_languages_at_once():
    found = [
        f"{path.relative_to(REPO)}:{line}: {text[:80]}"
        for path in project_sources()
        for line, text in bilingual_literals(path)
    ]

    assert not found, "bilingual literals (use gettext):\n" + "\n".join(found)


def test_the_scan_recognises_a_bilingual_literal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        'A = "尚未录入考生 / No candidates yet"\n'
        'B = f"已保存：{x} / Saved"\n'
        'C = "所在区（县）/ District"\n'
        'D = _("尚未录入考生")\n'
        'E = "苏人社发〔2020〕54号"\n'
        'def f():\n    "A docstring may quote 中文 / English."\n',
        encoding="utf-8",
    )

    assert [line for line, _ in bilingual_literals(sample)] == [1, 2, 3]


def labels_of_every_model():
    for config in (apps.get_app_config(label) for label in PROJECT_APPS):
        for model in config.get_models():
            meta = model._meta
            yield f"{meta.label}.verbose_name", meta.verbose_name
            yield f"{meta.label}.verbose_name_plural", meta.verbose_name_plural
            for field in meta.get_fields(include_hidden=False):
                if field.auto_created and not field.concrete:
                    continue
                where = f"{meta.label}.{field.name}"
                yield f"{where}.verbose_name", getattr(field, "verbose_name", "")
                yield f"{where}.help_text", getattr(field, "help_text", "")
                for value, label in getattr(field, "flatchoices", None) or ():
                    yield f"{where}[{value}]", label


def test_every_model_label_and_choice_reads_in_english():
    with translation.override("en"):
        left = [
            f"{where}: {text}"
            for where, label in labels_of_every_model()
            if untranslated(text := str(label))
        ]

    assert not left, "labels without English:\n" + "\n".join(left)


def test_notice_numbers_may_stay_in_chinese_but_nothing_else():
    assert not untranslated("Added after a check (239号 三)")
    assert not untranslated("No fees (苏人社办函〔2022〕54号 二)")
    assert untranslated("Level 3 / 高级工")


def test_the_same_labels_stay_chinese_in_chinese():
    with translation.override("zh-hans"):
        labels = [str(label) for _, label in labels_of_every_model() if str(label)]

    assert any(CJK.search(text) for text in labels)


def test_the_english_catalog_compiles_without_duplicates(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")

    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(CATALOG)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_api_answers_in_chinese_unless_the_client_asks_for_english(client, settings):
    ask = {"username": "nobody", "password": "wrong"}

    chinese = client.post("/api/v1/auth/token/", ask).json()
    english = client.post("/api/v1/auth/token/", ask, HTTP_ACCEPT_LANGUAGE="en").json()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    chosen = client.post("/api/v1/auth/token/", ask).json()

    assert CJK.search(str(chinese))
    assert not CJK.search(str(english)) and english == chosen
