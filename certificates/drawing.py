"""Bulk issuance's certificate pages drawn straight into PDF (issue 14: 150 certificates/s).

WeasyPrint laying out the filled layer took ~12 ms of a ~20 ms certificate. That layer never
changes shape: a few lines of text at fixed places, the photo and the QR code, every box absolutely
positioned by templates/certificates/certificate.html. This module sets them itself with the
metrics WeasyPrint uses — the faces' advance widths and vertical metrics, CSS line boxes, Pango's
line-break opportunities — and puts the static layer (frame, titles, labels; laid out once per
process by WeasyPrint, `pdf.static_layer`) under each page as a shared form.

Each one-certificate PDF gets one compact font subset per face with only the glyphs it draws
(renumbered 0…n, text selectable through ToUnicode); each chunk's print PDF shares one subset per
face among its hundred pages. A single certificate (reprint, holder's copy, correction, revoked
copy) is still laid out by WeasyPrint with both layers; tests hold the two to the same positions.
"""

import base64
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import segno
from PIL import Image

from certificates import fonts

MM = 72 / 25.4  # points
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
TEXT_COLOR = "0.101961 0.101961 0.101961"  # #1a1a1a
ENGLISH_COLOR = "0.266667 0.266667 0.266667"  # #444


@dataclass(frozen=True)
class Block:
    """A text box of the certificate template's filled layer (its CSS, in mm and pt)."""

    left: float  # mm
    top: float  # mm
    width: float | None  # mm; None: `white-space: pre`, lines as given, never wrapped
    size: float  # pt
    line_height: float  # pt
    color: str = TEXT_COLOR


# templates/certificates/certificate.html: .body-zh, .body-en, .values, .issuer-values, .signed
BODY_ZH = Block(24, 59, 128, 14, 14 * 1.7)
BODY_EN = Block(24, 0, 128, 9, 9 * 1.4, ENGLISH_COLOR)  # top: under the Chinese body
BODY_EN_GAP = 2  # mm, .body-en's margin-top
VALUES = Block(76, 100, None, 12, 11 * MM)
LONG_VALUE_SIZE = 9  # pt, .values .long
ISSUER = Block(86, 217.5, 100, 12, 12 * 1.25)
SIGNED = Block(128, 228.3, None, 12, 8 * MM)
PHOTO = (161.3, 55.3, 24.4, 34.4)  # left, top, width, height in mm (.photo)
QR = (24, 212, 34, 34)  # .qr


# --- faces and their metrics ----------------------------------------------------------------------


@dataclass
class Face:
    """A certificate face as the drawing needs it: character map, advances, vertical metrics."""

    name: str  # the CSS family of certificates/fonts.py, e.g. skilleval-cert-0
    path: Path
    cmap: dict[int, int]
    advances: list[int]  # per glyph id, in font units
    units_per_em: int
    ascent: float  # in em, hhea (as Pango measures the line box)
    descent: float
    bbox: tuple[int, int, int, int]  # per 1,000 em
    is_cff: bool

    def advance(self, glyph: int) -> float:
        """The advance of a glyph in thousandths of an em (a PDF font's width unit)."""
        return self.advances[glyph] * 1000 / self.units_per_em


@cache
def face(name: str) -> Face:
    """The metrics of a certificate face, read once per process (the fallbacks only when a
    character needs one)."""
    from fontTools.ttLib import TTFont

    path = fonts.font_path(name)
    font = TTFont(str(path), lazy=True)
    try:
        upem = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        head = font["head"]
        scale = 1000 / upem
        order = font.getGlyphOrder()
        glyph_ids = {glyph_name: n for n, glyph_name in enumerate(order)}
        return Face(
            name=name,
            path=path,
            cmap={char: glyph_ids[glyph_name] for char, glyph_name in font.getBestCmap().items()},
            advances=[metrics[glyph_name][0] for glyph_name in order],
            units_per_em=upem,
            ascent=font["hhea"].ascent / upem,
            descent=-font["hhea"].descent / upem,
            bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
            is_cff="CFF " in font,
        )
    finally:
        font.close()


def face_of(char: str) -> Face:
    found = fonts.face_for(char)
    return face((found or fonts.text_font()).css_family)


def text_face() -> Face:
    return face(fonts.text_font().css_family)


# --- setting text -----------------------------------------------------------------------------------


@dataclass
class Run:
    """Glyphs of one face drawn from one point: what a `Tj` shows."""

    face: Face
    size: float
    x: float  # pt from the left edge
    baseline: float  # pt from the top edge
    color: str
    glyphs: list[int]
    text: str


@cache
def _glyph(char: str) -> tuple[str, Face, int]:
    """(character, face, glyph id): the first face that has it; any space as the text face's
    space (a tab or a no-break space in a name draws blank, not a missing-glyph box)."""
    if char.isspace():
        return " ", text_face(), text_face().cmap[ord(" ")]
    char_face = face_of(char)
    return char, char_face, char_face.cmap.get(ord(char), 0)


def _glyphs(text: str) -> list[tuple[str, Face, int]]:
    return [_glyph(char) for char in text]


def _break_points(text: str) -> list[bool]:
    """Where Pango may break a line (before character i), as WeasyPrint does (lang zh-Hans)."""
    from weasyprint.text.line_break import get_log_attrs

    attrs = get_log_attrs(text, "zh-Hans")
    return [bool(attrs[i].is_line_break) for i in range(len(text))]


def _lines(text: str, block: Block) -> list[str]:
    """The text of a block cut into lines: as given for `white-space: pre`, else spaces
    collapsed and wrapped greedily at the block's width on Pango's break opportunities; the
    spaces at a break are not drawn."""
    if block.width is None:
        return text.split("\n")
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return [""]
    width, size = block.width * MM, block.size
    breaks = _break_points(text)
    lines, start, last_break, used = [], 0, None, 0.0
    for i, (char, char_face, glyph) in enumerate(_glyphs(text)):
        if i > start and breaks[i]:
            last_break = i
        used += char_face.advance(glyph) * size / 1000
        if char != " " and used > width + 1e-6 and last_break is not None:
            lines.append(text[start:last_break].rstrip(" "))
            start, last_break = last_break, None
            used = sum(g[1].advance(g[2]) * size / 1000 for g in _glyphs(text[start : i + 1]))
    lines.append(text[start:].rstrip(" "))
    return lines


def _runs_of_line(line: str, x: float, baseline: float, size: float, color: str) -> list[Run]:
    runs: list[Run] = []
    for char, char_face, glyph in _glyphs(line):
        if not runs or runs[-1].face is not char_face:
            runs.append(Run(char_face, size, x, baseline, color, [], ""))
        runs[-1].glyphs.append(glyph)
        runs[-1].text += char
        x += char_face.advance(glyph) * size / 1000
    return runs


def _half_box(block: Block, font_face: Face, size: float) -> float:
    """How far an inline box of this face and size reaches above its baseline (and, with the
    sign turned, below it minus the line height): CSS puts half the leading of a fixed
    line-height above the face's ascent and half below its descent."""
    return block.line_height / 2 + (font_face.ascent - font_face.descent) * size / 2


def _set_block(block: Block, lines: list[tuple[str, float]], top: float) -> tuple[list[Run], float]:
    """Lines (text, size) of a block from `top` (pt); the runs and the block's bottom. Each line
    box holds the block's strut (the text face at the block's size) and an inline box per run:
    a smaller value (.long) or a fallback face with other metrics makes it taller, as in CSS."""
    runs = []
    for line, size in lines:
        line_runs = _runs_of_line(line, block.left * MM, 0, size, block.color)
        boxes = [(text_face(), block.size)] + [(run.face, run.size) for run in line_runs]
        above = max(_half_box(block, box_face, box_size) for box_face, box_size in boxes)
        below = max(block.line_height - _half_box(block, f, s) for f, s in boxes)
        for run in line_runs:
            run.baseline = top + above
        runs += line_runs
        top += above + below
    return runs, top


def page_runs(page: dict) -> list[Run]:
    """Every piece of text of a certificate's filled layer, placed."""
    body_zh, body_bottom = _set_block(
        BODY_ZH,
        _sized(_lines(f"兹证明 {page['holder_name']} {page['body_zh']}", BODY_ZH), BODY_ZH),
        BODY_ZH.top * MM,
    )
    body_en, _ = _set_block(
        BODY_EN, _sized(_lines(page["body_en"], BODY_EN), BODY_EN), body_bottom + BODY_EN_GAP * MM
    )
    values, _ = _set_block(
        VALUES,
        [(row["value"], LONG_VALUE_SIZE if row["long"] else VALUES.size) for row in page["rows"]],
        VALUES.top * MM,
    )
    issuer, _ = _set_block(
        ISSUER, _sized(_lines(page["institution"], ISSUER), ISSUER), ISSUER.top * MM
    )
    signed, _ = _set_block(
        SIGNED,
        _sized(_lines(f"{page['signatory']}\n{page['issued_on']}", SIGNED), SIGNED),
        SIGNED.top * MM,
    )
    return body_zh + body_en + values + issuer + signed


def _sized(lines: list[str], block: Block) -> list[tuple[str, float]]:
    return [(line, block.size) for line in lines]


# --- images ------------------------------------------------------------------------------------------


# The code only ever holds a verification URL of one length: error level M (15 % may be lost)
# fixed, not raised when it happens to fit, and one fixed mask pattern. Any of the eight masks is
# valid (GB/T 18284); letting segno score all eight took four fifths of the time of a code.
QR_ERROR = "m"
QR_MASK = 0


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, boost_error=False, mask=QR_MASK, micro=False)


def qr_image(url: str) -> tuple[int, bytes]:
    """The verification URL's QR code as a 1-bit grey image, 2 modules of quiet zone (as
    pdf.qr_data_uri draws it): (modules per side, compressed rows)."""
    code = qr_code(url)
    border = 2
    side = code.symbol_size(scale=1, border=border)[0]
    rows = bytearray()
    row_bytes = (side + 7) // 8
    white_row = bytes([0xFF]) * row_bytes
    for _ in range(border):
        rows += white_row
    for modules in code.matrix:
        bits = 0
        for dark in (0, 0, *modules, 0, 0):
            bits = (bits << 1) | (0 if dark else 1)
        bits <<= row_bytes * 8 - side
        rows += bits.to_bytes(row_bytes, "big")
    for _ in range(border):
        rows += white_row
    return side, zlib.compress(bytes(rows))


def photo_bytes(uri: str) -> bytes:
    """The JPEG behind a page's photo URI (storage.embeddable_uri: file:// or data:)."""
    if uri.startswith("data:"):
        return base64.b64decode(uri.partition(",")[2])
    return Path(unquote(urlparse(uri).path)).read_bytes()


# --- PDF objects -------------------------------------------------------------------------------------


def _hex(glyphs, new_id) -> str:
    return "".join(f"{new_id[glyph]:04x}" for glyph in glyphs)


def content_stream(runs: list[Run], font_names: dict[str, str], new_ids, images: dict) -> bytes:
    """The page's drawing: the static layer, the photo and the QR code, then the text."""
    ops = ["q /Static Do Q"]
    for name, (left, top, width, height) in images.items():
        x, y = left * MM, PAGE_HEIGHT - (top + height) * MM
        ops.append(f"q {width * MM:.6f} 0 0 {height * MM:.6f} {x:.6f} {y:.6f} cm /{name} Do Q")
    ops.append("BT")
    current = None
    for run in runs:
        if not run.glyphs:
            continue
        state = (run.face.name, run.size, run.color)
        if state != current:
            ops.append(f"{run.color} rg /{font_names[run.face.name]} {run.size:g} Tf")
            current = state
        y = PAGE_HEIGHT - run.baseline
        ops.append(
            f"1 0 0 1 {run.x:.6f} {y:.6f} Tm <{_hex(run.glyphs, new_ids[run.face.name])}> Tj"
        )
    ops.append("ET")
    return "\n".join(ops).encode()


def _tag(glyphs) -> str:
    """The six-letter subset tag of a font name (PDF 32000 9.6.4), from the glyphs it holds."""
    digest = hashlib.sha1(repr(sorted(glyphs)).encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def to_unicode_cmap(texts: dict[int, str]) -> bytes:
    """A ToUnicode CMap: glyph id -> the text it stands for (PDF 32000 9.10.3)."""
    head = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <ffff>\nendcodespacerange"
    )
    entries = [
        f"<{glyph:04x}> <{text.encode('utf-16-be').hex()}>" for glyph, text in sorted(texts.items())
    ]
    lines = [head]
    for i in range(0, len(entries), 100):
        lines += [f"{len(entries[i : i + 100])} beginbfchar", *entries[i : i + 100], "endbfchar"]
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode()


def font_object(document, font_face: Face, used: dict[int, str]):
    """A Type 0 font of `font_face` cut down to the glyphs `used` (glyph id -> the text it draws),
    renumbered 0…n in the order of their ids; returns (the font, old id -> new id)."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    kept = sorted({0, *used})
    new_id = {old: new for new, old in enumerate(kept)}
    program = pikepdf.Stream(document, fonts.subset(font_face.path, kept))
    base_font = Name(f"/{_tag(kept)}+{font_face.name}")
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=base_font,
        Flags=4,
        FontBBox=Array(font_face.bbox),
        ItalicAngle=0,
        Ascent=round(font_face.ascent * 1000),
        Descent=-round(font_face.descent * 1000),
        CapHeight=round(font_face.ascent * 1000),
        StemV=80,
    )
    if font_face.is_cff:
        program.Subtype = Name.OpenType
        descriptor.FontFile3 = program
    else:
        program.Length1 = len(program.read_bytes())
        descriptor.FontFile2 = program
    widths = Array([0, Array([round(font_face.advance(old), 3) for old in kept])])
    cid_font = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType0 if font_face.is_cff else Name.CIDFontType2,
        BaseFont=base_font,
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor,
        W=widths,
        CIDToGIDMap=Name.Identity,
    )
    font = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=base_font,
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([cid_font]),
        ToUnicode=pikepdf.Stream(
            document, to_unicode_cmap({new_id[g]: text for g, text in used.items()})
        ),
    )
    return document.make_indirect(font), new_id


def _glyphs_used(pages_runs) -> dict[str, dict[int, str]]:
    """Per face, the glyphs the runs draw and the text each stands for."""
    used: dict[str, dict[int, str]] = {}
    for runs in pages_runs:
        for run in runs:
            glyphs = used.setdefault(run.face.name, {})
            for glyph, char in zip(run.glyphs, run.text, strict=True):
                glyphs.setdefault(glyph, char)
    return used


def _image(document, width, height, data, **entries):
    import pikepdf
    from pikepdf import Name

    return pikepdf.Stream(
        document, data, Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height,
        **entries,
    )  # fmt: skip


def photo_image(document, data: bytes):
    """A JPEG as it is (DCTDecode): no decoding, no re-encoding."""
    from pikepdf import Array, Name

    with Image.open(io.BytesIO(data)) as image:
        width, height, mode = image.width, image.height, image.mode
    if mode == "L":
        color = {"ColorSpace": Name.DeviceGray}
    elif mode == "CMYK":  # Adobe's JPEGs store CMYK inverted
        color = {"ColorSpace": Name.DeviceCMYK, "Decode": Array([1, 0] * 4)}
    else:
        color = {"ColorSpace": Name.DeviceRGB}
    stream = _image(document, width, height, b"", BitsPerComponent=8, **color)
    stream.write(data, filter=Name.DCTDecode)
    return stream


def qr_object(document, side: int, data: bytes):
    from pikepdf import Name

    stream = _image(
        document, side, side, b"", ColorSpace=Name.DeviceGray, BitsPerComponent=1,
        Interpolate=False,
    )  # fmt: skip
    stream.write(data, filter=Name.FlateDecode)
    return stream


@dataclass
class Drawn:
    """A certificate's filled layer, made once and written into its own PDF and the chunk's."""

    runs: list[Run]
    photo: bytes | None  # JPEG
    qr: tuple[int, bytes]


def drawn(page: dict) -> Drawn:
    photo = photo_bytes(page["photo_uri"]) if page.get("photo_uri") else None
    return Drawn(page_runs(page), photo, qr_image(page["verify_url"]))


def _page(document, form, drawing: Drawn, fonts_by_face: dict):
    """Add a certificate's page to `document`; `fonts_by_face`: face -> (font object, new ids)."""
    import pikepdf
    from pikepdf import Dictionary, Name

    runs = drawing.runs
    images, xobjects = {}, {"/Static": form}
    if drawing.photo:
        xobjects["/Photo"] = photo_image(document, drawing.photo)
        images["Photo"] = PHOTO
    xobjects["/QR"] = qr_object(document, *drawing.qr)
    images["QR"] = QR
    used = {run.face.name for run in runs if run.glyphs}
    names = {name: f"F{n}" for n, name in enumerate(sorted(used))}
    contents = content_stream(runs, names, {name: fonts_by_face[name][1] for name in used}, images)
    document.pages.append(
        pikepdf.Page(
            Dictionary(
                Type=Name.Page,
                MediaBox=[0, 0, round(PAGE_WIDTH, 6), round(PAGE_HEIGHT, 6)],
                Resources=Dictionary(
                    XObject=Dictionary(xobjects),
                    Font=Dictionary({f"/{names[n]}": fonts_by_face[n][0] for n in used}),
                ),
                Contents=pikepdf.Stream(document, contents),
            )
        )
    )


def document_title(page: dict) -> str:
    """A certificate PDF's title: kind, number, holder (the upload check looks for the name)."""
    return f"{page['title_zh']} {page['number']} {page['holder_name']}"


def _saved(document, title: str, subject: str = "") -> bytes:
    # The document information: signing updates the title and writes the certificate's number
    # and token beside it (certificates/signing.py), and the upload check reads them back
    # (certificates/verification.py); pyHanko only updates entries that exist.
    document.docinfo["/Title"] = title
    document.docinfo["/Subject"] = subject
    document.docinfo["/Keywords"] = ""
    document.docinfo["/Producer"] = "skilleval"
    out = io.BytesIO()
    document.save(out, compress_streams=True, min_version="1.7")
    return out.getvalue()


def render_pages(pages: list[dict], static_pdf: bytes) -> tuple[bytes, list[bytes]]:
    """(the chunk's print PDF, one PDF per certificate), unsigned. `static_pdf`: the kind's static
    layer as a one-page PDF."""
    import pikepdf

    drawings = [drawn(page) for page in pages]
    with pikepdf.Pdf.open(io.BytesIO(static_pdf)) as background:
        static_form = background.pages[0].as_form_xobject()
        singles = []
        for page, drawing in zip(pages, drawings, strict=True):
            with pikepdf.Pdf.new() as single:
                form = single.copy_foreign(static_form)
                own = {
                    name: font_object(single, face(name), used)
                    for name, used in _glyphs_used([drawing.runs]).items()
                }
                _page(single, form, drawing, own)
                singles.append(_saved(single, document_title(page), page["institution"]))
        with pikepdf.Pdf.new() as whole:
            form = whole.copy_foreign(static_form)
            shared = {
                name: font_object(whole, face(name), used)
                for name, used in _glyphs_used(d.runs for d in drawings).items()
            }
            for drawing in drawings:
                _page(whole, form, drawing, shared)
            whole_pdf = _saved(whole, "证书")
    return whole_pdf, singles
