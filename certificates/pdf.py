"""Certificate and proof PDFs.

A certificate page is built from a plain dict (`certificate_page`), picklable for render tasks.
Bulk issuance (certificates/issuance.py) puts the kind's static layer — frame, titles, labels,
laid out once per process by WeasyPrint — under every page and draws the filled layer straight
into the PDF (`render_pages`, certificates/drawing.py), each page also written out as its own
one-page PDF; the merged print PDF concatenates the chunk documents (`merge_pdfs`). A single
certificate (reprint, holder's copy, correction, revoked copy) and proofs are laid out whole by
WeasyPrint. Fonts: certificates/fonts.py. No network: photos and fonts are file:// URLs or read
through the storage API, the QR code a data URI.
"""

import atexit
import io
import logging
import re
from datetime import date
from functools import cache

from django.conf import settings
from django.template.loader import render_to_string

from certificates import drawing, fonts, signing
from certificates.choices import CertificateKind, ProofReason
from institutions.choices import IdType
from skilleval import storage
from skilleval.choices import LEVEL_NAMES_EN, in_chinese, in_english

# WeasyPrint logs every layout step at INFO; a 10,000-page issuance would flood the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CERTIFICATE_TEMPLATE = "certificates/certificate.html"
PROOF_TEMPLATE = "certificates/proof.html"

# Per kind: title (zh, en), the verb of the body text, the label of the level row, the issuer label.
KIND_TEXT = {
    CertificateKind.SKILL_LEVEL: {
        "title_zh": "职业技能等级证书",
        "title_en": "Vocational Skill Level Certificate",
        "body_zh": "经评价，职业技能等级为",
        "body_en": "This is to certify that {name} has been evaluated and holds the vocational "
        "skill level {level_en} in {occupation}.",
        "level_label": "职业技能等级",
        "issuer_label": "评价机构",
    },
    CertificateKind.VOCATIONAL_QUALIFICATION: {
        "title_zh": "职业资格证书",
        "title_en": "Vocational Qualification Certificate",
        "body_zh": "经鉴定，职业资格等级为",
        "body_en": "This is to certify that {name} has passed the appraisal and holds the "
        "vocational qualification {level_en} in {occupation}.",
        "level_label": "职业资格等级",
        "issuer_label": "发证机关",
    },
    CertificateKind.SPECIAL_ABILITY: {
        "title_zh": "专项职业能力证书",
        "title_en": "Special Vocational Ability Certificate",
        "body_zh": "经考核，具备",
        "body_en": "This is to certify that {name} has passed the assessment of the special "
        "vocational ability {occupation}.",
        "level_label": "",
        "issuer_label": "考核机构",
    },
    CertificateKind.COMPETITION: {
        "title_zh": "职业技能竞赛证书",
        "title_en": "Vocational Skills Competition Certificate",
        "body_zh": "在职业技能竞赛中取得",
        "body_en": "This is to certify that {name} achieved {level_en} in the {occupation} "
        "competition.",
        "level_label": "等级",
        "issuer_label": "发证机构",
    },
}


def chinese_date(day: date) -> str:
    """2026年5月3日: the date as it is written on certificates."""
    return f"{day.year}年{day.month}月{day.day}日"


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as a PNG data URI, one pixel per module, drawn without smoothing.
    (A PNG is far cheaper for WeasyPrint to draw than the same code as an SVG path.)"""
    return drawing.qr_code(url).png_data_uri(scale=1, border=2)


def _label_zh(label) -> str:
    return in_chinese(label)


ROW_TOP_MM = 100  # the first row of the table of fields
ROW_STEP_MM = 11


def _rows(kind: str, values: dict) -> list[dict]:
    """The table of fields, label and value per row, at fixed heights (both layers use them)."""
    rows = [
        ("姓名", "Name", values.get("holder_name", "")),
        ("证件类型", "ID document type", values.get("id_type", "")),
        ("证件号码", "ID document number", values.get("id_number", "")),
        ("职业名称", "Occupation", values.get("occupation", "")),
        ("工种/职业方向", "Work type / direction", values.get("work_type", "")),
    ]
    if KIND_TEXT[kind]["level_label"]:
        rows.append((KIND_TEXT[kind]["level_label"], "Level", values.get("level", "")))
    rows += [
        ("证书编号", "Certificate number", values.get("number", "")),
        ("发证日期", "Date of issue", values.get("issued_on", "")),
    ]
    return [
        {
            "top": ROW_TOP_MM + i * ROW_STEP_MM,
            "label": zh,
            "label_en": en,
            "value": value,
            # Rows are one line each: a long value is set smaller rather than wrapped.
            "long": len(value) > 24,
        }
        for i, (zh, en, value) in enumerate(rows)
    ]


def static_page(kind: str) -> dict:
    """What every certificate of a kind shares: the frame, titles, labels, lookup addresses."""
    text = KIND_TEXT[kind]
    return {
        "kind": str(kind),
        "title_zh": text["title_zh"],
        "title_en": text["title_en"],
        "issuer_label": text["issuer_label"],
        "rows": _rows(kind, {}),
        "lookup_url": site_url("/lookup/"),
        "catalog_url": site_url("/catalog/"),
    }


def certificate_page(certificate) -> dict:
    """Everything a certificate page shows, as plain data (picklable for render processes).
    The ID number is shown in full: the certificate is the holder's own document."""
    kind = KIND_TEXT[certificate.kind]
    level = certificate.level_display if certificate.level else ""
    occupation = certificate.occupation.name
    level_en = LEVEL_NAMES_EN.get(certificate.level, "") if certificate.level else ""
    if certificate.kind == CertificateKind.SPECIAL_ABILITY:
        body_zh = f"{kind['body_zh']} {occupation} 专项职业能力。"
    else:
        body_zh = f"{kind['body_zh']} {level}。"
    values = {
        "holder_name": certificate.holder_name,
        "id_type": _label_zh(IdType(certificate.id_type).label),
        "id_number": certificate.id_number,
        "occupation": occupation,
        "work_type": certificate.work_type_display,
        "level": level,
        "number": certificate.number,
        "issued_on": chinese_date(certificate.issued_on),
    }
    verify_url = site_url(certificate.verification_path())
    return {
        **static_page(certificate.kind),
        **values,
        "pk": certificate.pk,
        "rows": _rows(certificate.kind, values),
        "body_zh": body_zh,
        "body_en": kind["body_en"].format(
            name=certificate.holder_name, level_en=level_en, occupation=occupation
        ),
        "institution": certificate.institution.name,
        "signatory": certificate.signatory,
        "photo_uri": storage.embeddable_uri(certificate.photo.name) if certificate.photo else "",
        "verify_url": verify_url,  # the QR code is drawn where the page is rendered (with_qr)
        "token": certificate.verification_token,
        "revoked": certificate.is_revoked,
    }


def sign_page(data: bytes, page: dict) -> bytes:
    """A one-certificate PDF signed, naming the certificate it is (certificates/signing.py)."""
    return signing.sign_pdf(
        data,
        title=drawing.document_title(page),
        number=page["number"],
        token=page["token"],
        issuer=page["institution"],
    )


# The filled-in texts: each character must be drawable (fonts.check_glyphs).
FILLED_FIELDS = ("holder_name", "id_number", "occupation", "work_type", "institution", "signatory")


def with_qr(pages: list[dict]) -> list[dict]:
    for page in pages:
        if "qr_uri" not in page:
            page["qr_uri"] = qr_data_uri(page["verify_url"])
    return pages


def check_page_glyphs(pages) -> None:
    fonts.check_glyphs(
        {page[field] for page in pages for field in FILLED_FIELDS if page.get(field)}
    )


# --- WeasyPrint, set up once per process ------------------------------------------------------


@cache
def _weasyprint():
    """The font configuration and the @font-face stylesheet, shared by every document this
    process renders: the faces are loaded into fontconfig once, not once per certificate."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    # Local files and data URIs only: rendering never touches the network, and a missing
    # photo stops the rendering instead of leaving an empty frame.
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)
    font_config = FontConfiguration()
    stylesheet = CSS(string=fonts.font_face_css(), font_config=font_config, url_fetcher=fetcher)
    return font_config, stylesheet, fetcher


# A cached FontConfiguration would otherwise be collected after the modules it needs at exit.
atexit.register(_weasyprint.cache_clear)


def _write(template: str, context: dict) -> tuple[bytes, int]:
    """Render a template to PDF; the PDF and its number of pages."""
    from weasyprint import HTML

    font_config, stylesheet, fetcher = _weasyprint()
    html = render_to_string(template, context)
    document = HTML(string=html, base_url=str(settings.MEDIA_ROOT), url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=font_config
    )
    return document.write_pdf(), len(document.pages)


def _one_page_each(pdf: bytes, pages: int, expected: int) -> bytes:
    if pages != expected:
        raise RuntimeError(
            f"A certificate does not fit on one page ({pages} pages for {expected} certificates)"
        )
    return pdf


@cache
def static_layer(kind: str, site: str) -> bytes:
    """The static layer of a kind as a one-page PDF, laid out once per process."""
    import pikepdf

    pdf, pages = _write(
        CERTIFICATE_TEMPLATE, {"certificates": [static_page(kind)], "static": True, "title": ""}
    )
    _one_page_each(pdf, pages, 1)
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        own_font_subsets(document)  # its labels' glyphs only, not 7,800 glyph slots
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


def _render_plain(pages: list[dict]) -> bytes:
    """The plain way: one WeasyPrint document, both layers, a page per certificate; unsigned."""
    with_qr(pages)
    check_page_glyphs(pages)
    pdf, count = _write(
        CERTIFICATE_TEMPLATE,
        {"certificates": pages, "static": True, "filled": True, "title": "证书"},
    )
    return _one_page_each(pdf, count, len(pages))


def render_certificate(certificate) -> bytes:
    """One certificate, signed: a reprint, the holder's own copy, a corrected certificate."""
    page = certificate_page(certificate)
    return sign_page(_render_plain([page]), page)


def render_pages(pages: list[dict], sign: bool = True) -> tuple[bytes, list[bytes]]:
    """The fast way, for bulk issuance: the kind's static layer (laid out once by WeasyPrint)
    under every page, the filled layer drawn straight into the PDF (certificates/drawing.py).
    Returns (all pages, [one PDF per page, signed]): the all-pages PDF is for printing and stays
    unsigned. (`sign=False` only for the benchmark's comparison.)"""
    if any(page.get("revoked") for page in pages):
        raise ValueError("render_pages draws new certificates; a revoked one is rendered alone")
    check_page_glyphs(pages)
    kinds = {page["kind"] for page in pages}
    if len(kinds) != 1:
        raise ValueError("render_pages takes certificates of one kind")
    whole, singles = drawing.render_pages(pages, static_layer(kinds.pop(), settings.SITE_URL))
    if sign:
        singles = [sign_page(data, page) for data, page in zip(singles, pages, strict=True)]
    return whole, singles


# --- a WeasyPrint page with only its own glyphs ---------------------------------------------------
# WeasyPrint keeps glyph ids when it subsets, so a page set in the 7,800-glyph text face carries
# thousands of empty glyph slots and widths. `own_font_subsets` gives the static layer (laid out
# once per process and put under every certificate of a bulk issuance) one compact subset per face
# instead, renumbering the glyphs 0…n in its content stream.

TO_UNICODE_ENTRY = re.compile(rb"<([0-9a-fA-F]{4})> <([0-9a-fA-F]*)>")


def _text_runs(instructions, fonts_used):
    """(instruction index, font) of every text-showing instruction in an Identity-H font."""
    current = None
    for n, (operands, operator) in enumerate(instructions):
        operator = str(operator)
        if operator == "Tf":
            font = fonts_used.get(str(operands[0]))
            current = font if font is not None and font.get("/Encoding") == "/Identity-H" else None
        elif current is not None and operator in ("Tj", "TJ", "'", '"'):
            yield n, current


def _glyph_ids(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 2]) for i in range(0, len(data) - 1, 2)]


def _strings(operands, operator):
    return operands[0] if str(operator) == "TJ" else [operands[-1]]


def _renumbered(operands, operator, new_id):
    import pikepdf

    def renumber(item):
        if not isinstance(item, pikepdf.String):
            return item
        return pikepdf.String(b"".join(new_id[g].to_bytes(2) for g in _glyph_ids(bytes(item))))

    if str(operator) == "TJ":
        return [pikepdf.Array([renumber(item) for item in operands[0]])]
    return [*operands[:-1], renumber(operands[-1])]


def _widths(array, new_id: dict[int, int]):
    """A CIDFont's /W array for the renumbered glyphs."""
    import pikepdf

    widths, items, i = {}, list(array), 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            widths.update((first + n, w) for n, w in enumerate(items[i + 1]))
            i += 2
        else:  # first last width
            widths.update((g, items[i + 2]) for g in range(first, int(items[i + 1]) + 1))
            i += 3
    result, run, previous = pikepdf.Array(), None, None
    for old in sorted(new_id):
        if old not in widths:
            continue
        if previous is None or new_id[old] != previous + 1:
            run = pikepdf.Array()
            result.append(new_id[old])
            result.append(run)
        run.append(widths[old])
        previous = new_id[old]
    return result


def _to_unicode(data: bytes, new_id: dict[int, int]) -> bytes:
    """WeasyPrint's ToUnicode CMap (bfchar entries) for the renumbered glyphs: the text stays
    selectable and searchable."""
    return drawing.to_unicode_cmap(
        {
            new_id[int(m.group(1), 16)]: bytes.fromhex(m.group(2).decode()).decode("utf-16-be")
            for m in TO_UNICODE_ENTRY.finditer(data)
            if int(m.group(1), 16) in new_id
        }
    )


def own_font_subsets(document) -> None:
    """Give the page of a one-page PDF (a pikepdf.Pdf) one compact subset per certificate face,
    made from the prepared face file (certificates/fonts.py): the glyphs it draws renumbered 0…n
    in order, its content stream, widths and ToUnicode maps to match. Forms it paints keep their
    own fonts (the background layer is made compact once, in `static_layer`); faces that are not
    certificate faces are left as they are."""
    import pikepdf

    page = document.pages[0]
    instructions = pikepdf.parse_content_stream(page)
    fonts_used = (page.obj.get("/Resources") or {}).get("/Font") or {}
    runs = []  # (instruction index, font, family)
    used: dict[str, set[int]] = {}
    for n, font in _text_runs(instructions, fonts_used):
        family = str(font.BaseFont).partition("+")[2]
        if fonts.font_path(family) is None:
            continue
        runs.append((n, font, family))
        glyphs = used.setdefault(family, {0})
        for string in _strings(*instructions[n]):
            if isinstance(string, pikepdf.String):
                glyphs.update(_glyph_ids(bytes(string)))
    if not runs:
        return
    # HarfBuzz numbers the kept glyphs in the order of their old ids.
    new_ids = {
        family: {old: new for new, old in enumerate(sorted(ids))} for family, ids in used.items()
    }
    programs = {
        family: pikepdf.Stream(document, fonts.subset(fonts.font_path(family), ids))
        for family, ids in used.items()
    }
    renumbered_fonts = set()
    for n, font, family in runs:
        operands, operator = instructions[n]
        instructions[n] = pikepdf.ContentStreamInstruction(
            _renumbered(operands, operator, new_ids[family]), operator
        )
        if font.objgen not in renumbered_fonts:
            renumbered_fonts.add(font.objgen)
            _renumber_font(document, font, programs[family], new_ids[family])
    page.obj.Contents = pikepdf.Stream(document, pikepdf.unparse_content_stream(instructions))


def _renumber_font(document, font, program, new_id) -> None:
    import pikepdf

    descendant = font.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    if "/FontFile3" in descriptor:
        program.Subtype = descriptor.FontFile3.get("/Subtype", pikepdf.Name.OpenType)
        descriptor.FontFile3 = program
    else:
        program.Length1 = len(program.read_bytes())
        descriptor.FontFile2 = program
    if "/CIDSet" in descriptor:  # only PDF 1.4 has it: it would name the old glyph ids
        del descriptor["/CIDSet"]
    if "/W" in descendant:
        descendant.W = _widths(descendant.W, new_id)
    if "/ToUnicode" in font:
        font.ToUnicode = pikepdf.Stream(document, _to_unicode(font.ToUnicode.read_bytes(), new_id))


def render_chunk(task: dict) -> list[tuple[int, str]]:
    """Render one chunk of bulk issuance and store its files: the one-page PDFs first, the chunk's
    all-pages PDF last, so that an existing chunk file means a complete chunk. No database
    access: the pages carry everything shown."""
    whole, singles = render_pages(task["pages"], sign=task.get("sign", True))
    for name, data in zip(task["names"], singles, strict=True):
        storage.write_bytes(name, data)
    storage.write_bytes(task["chunk"], whole)
    return [(page["pk"], name) for page, name in zip(task["pages"], task["names"], strict=True)]


def merge_pdfs(sources, target) -> int:
    """Concatenate PDFs (paths) into `target` (a path); the number of pages written."""
    import pikepdf

    with pikepdf.Pdf.new() as merged:
        opened = []
        try:
            for source in sources:
                pdf = pikepdf.Pdf.open(source)
                opened.append(pdf)
                merged.pages.extend(pdf.pages)
            merged.save(target)
        finally:
            for pdf in opened:
                pdf.close()
        return len(merged.pages)


def page_count(pdf) -> int:
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf) as document:
        return len(document.pages)


# --- proofs (证明, 239号 二(三)) -----------------------------------------------------------------


def proof_context(proof) -> dict:
    certificate = proof.certificate
    return {
        "title": "证明",
        "issuer": certificate.institution.name,
        "holder_name": certificate.holder_name,
        "id_type": _label_zh(IdType(certificate.id_type).label),
        "id_number_masked": certificate.id_number_masked,
        "certificate_number": certificate.number,
        "certificate_kind": KIND_TEXT[certificate.kind]["title_zh"],
        "occupation": certificate.occupation.name,
        "work_type": certificate.work_type_display,
        "level": certificate.level_display,
        "certificate_issued_on": chinese_date(certificate.issued_on),
        "reason": _label_zh(ProofReason(proof.reason).label),
        "reason_en": in_english(ProofReason(proof.reason).label),
        "detail": proof.detail,
        "issued_on": chinese_date(proof.issued_on),
        "qr_uri": qr_data_uri(site_url(proof_verification_path(proof))),
        "verify_url": site_url(proof_verification_path(proof)),
        "lookup_url": site_url("/lookup/"),
    }


def proof_verification_path(proof) -> str:
    return f"/v/proof/{proof.verification_token}/"


def render_proof(proof) -> bytes:
    context = proof_context(proof)
    fonts.check_glyphs(
        [context["issuer"], context["holder_name"], context["occupation"], context["detail"]]
    )
    pdf, _pages = _write(PROOF_TEMPLATE, context)
    return signing.sign_pdf(
        pdf,
        title=f"证明 {context['certificate_number']} {context['holder_name']}",
        number=context["certificate_number"],
        token=proof.verification_token,
        issuer=context["issuer"],
    )
