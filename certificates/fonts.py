"""Fonts for certificate PDFs: a FangSong face where one is installed, else a serif CJK face, and
fallback faces so that no character of a name goes missing.

Why this module exists (issue 5, performance):
- WeasyPrint embeds fonts through HarfBuzz's subsetting library (Debian `libharfbuzz-subset0`);
  without it, it silently takes a ~40x slower fontTools path. `harfbuzz_subset_available()` says
  which one is in use, and a test fails when it is missing.
- WeasyPrint copies, hashes and subsets the whole font file of every face it uses. A CJK collection
  (.ttc) holds several faces, so each face we use is extracted once, at first use, into its own file
  under MEDIA_ROOT/fonts.
- WeasyPrint keeps glyph ids when it subsets (the page content refers to them), so a font whose
  common characters sit at glyph 40,000 carries 40,000 empty glyph slots into every PDF. The
  Noto Serif CJK face used for the text is therefore cut down, once, to the GB 2312 repertoire,
  Latin and punctuation (about 7,800 glyphs); the full face follows it as a fallback for the rare
  characters of names (生僻字: 珺, 喆, 堃, 燚, 䶮 …).

Every character of the filled-in text is checked against the faces' character maps before
rendering: a character that no installed face has raises MissingGlyph naming it, instead of
printing a box.
"""

import fcntl
import logging
import os
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import cffi
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from skilleval.job_pages import in_both_languages

log = logging.getLogger(__name__)

# Where installed fonts are looked for. TeX Live's Chinese fonts (Debian texlive-lang-chinese)
# include FandolFang, a FangSong face for simplified Chinese that fontconfig does not list.
SEARCH_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"),
    Path("/usr/share/texmf/fonts/opentype/public/fandol"),
)
FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}
FANGSONG = re.compile(r"fang\s*song|仿宋|fandolfang", re.IGNORECASE)
# Bump when the way faces are prepared changes, so cached files are rebuilt.
CACHE_VERSION = 1


def _gb2312(first_row: int, last_row: int) -> frozenset[int]:
    codepoints = set()
    for row in range(first_row, last_row + 1):
        for cell in range(0xA1, 0xFF):
            try:
                codepoints.add(ord(bytes([row, cell]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(codepoints)


# GB 2312 level 1 (3,755 common hanzi): a face must have all of them to set simplified Chinese.
GB2312_LEVEL_1 = _gb2312(0xB0, 0xD7)
# What the cut-down text face keeps: all of GB 2312 (symbols and both levels), Latin, punctuation.
TEXT_REPERTOIRE = (
    _gb2312(0xA1, 0xF7)
    | frozenset(range(0x20, 0x7F))
    | frozenset(range(0xA0, 0x180))
    | frozenset(range(0x2000, 0x2070))
    | frozenset(range(0x2100, 0x2200))
    | frozenset(range(0x3000, 0x3040))
    | frozenset(range(0xFF00, 0xFFF0))
)


class MissingGlyph(ValidationError):
    """A character that no installed font can draw."""


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (fast) rather than fontTools (~40x slower)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    # WeasyPrint uses HarfBuzz subsetting from HarfBuzz 4.1 on (hb_set_add_sorted_array).
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


# --- what is installed ------------------------------------------------------------------------


@dataclass(frozen=True)
class InstalledFace:
    """One face of an installed font file (a collection holds several)."""

    path: Path
    index: int
    family: str
    style: str
    is_collection: bool

    @property
    def is_fangsong(self) -> bool:
        return bool(FANGSONG.search(self.family))

    @property
    def is_regular(self) -> bool:
        return self.style.lower() in ("regular", "book", "medium", "r", "normal")

    def codepoints(self) -> frozenset[int]:
        return _codepoints(str(self.path), self.index)


@cache
def _codepoints(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def _names(font) -> tuple[str, str]:
    name = font["name"]
    # Typographic family/subfamily (16/17) where present, else the legacy ones (1/2).
    family = name.getDebugName(16) or name.getDebugName(1) or ""
    style = name.getDebugName(17) or name.getDebugName(2) or ""
    return family, style


@cache
def installed_faces() -> tuple[InstalledFace, ...]:
    """Every face of every font file in SEARCH_DIRS (about 0.3 s for a hundred files)."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    faces = []
    for directory in SEARCH_DIRS:
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
                continue
            try:
                if path.suffix.lower() in (".ttc", ".otc"):
                    collection = TTCollection(str(path), lazy=True)
                    for index, font in enumerate(collection.fonts):
                        faces.append(InstalledFace(path, index, *_names(font), True))
                    collection.close()
                else:
                    font = TTFont(str(path), lazy=True)
                    faces.append(InstalledFace(path, 0, *_names(font), False))
                    font.close()
            except (TTLibError, OSError, KeyError, AssertionError) as exc:
                log.debug("skipping font %s: %s", path, exc)
    return tuple(faces)


def _find(family: str, style: str = "Regular") -> InstalledFace | None:
    return next(
        (
            face
            for face in installed_faces()
            if face.family == family and face.style.lower() == style.lower()
        ),
        None,
    )


def _sets_simplified_chinese(face: InstalledFace) -> bool:
    return face.codepoints() >= GB2312_LEVEL_1


# --- the faces a certificate uses -------------------------------------------------------------


@dataclass(frozen=True)
class CertificateFont:
    """A face prepared for certificates: a single-face file and the CSS family naming it."""

    css_family: str
    path: Path
    description: str
    is_fangsong: bool

    @cached_property
    def codepoints(self) -> frozenset[int]:
        return _codepoints(str(self.path), 0)

    def has(self, char: str) -> bool:
        return ord(char) in self.codepoints


def fonts_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "fonts"


def _cache_name(face: InstalledFace, suffix: str) -> str:
    stat = face.path.stat()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{face.family}-{face.style}").strip("-")
    # The extension only helps people: fontconfig and WeasyPrint read the format from the data.
    extension = ".otf" if "CFF " in _table_tags(str(face.path), face.index) else ".ttf"
    return f"{stem}-{face.index}-{int(stat.st_mtime)}-{stat.st_size}-v{CACHE_VERSION}{suffix}{extension}"


def _table_tags(path: str, index: int) -> set[str]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return set(font.keys())
    finally:
        font.close()


def _prepared(face: InstalledFace, *, suffix: str, build) -> Path:
    """The cached single-face file for `face`, built by `build(face, tmp_path)` at first use.
    A file lock keeps two processes from building it at once; the rename makes it appear whole."""
    directory = fonts_dir()
    target = directory / _cache_name(face, suffix)
    if target.exists():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            log.info("preparing certificate font %s (%s)", target.name, face.path)
            build(face, tmp)
            os.replace(tmp, target)
    return target


def _extract_face(face: InstalledFace, out: Path) -> None:
    """Copy one face of a collection into its own file, tables as they are (about a second)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
    font.save(str(out))
    font.close()


def _cut_to_text_repertoire(face: InstalledFace, out: Path) -> None:
    """The face cut down to TEXT_REPERTOIRE, glyphs renumbered from 1 (about 20 s, once)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(face.path), fontNumber=face.index)
    options = subset.Options()
    # Horizontal text only; WeasyPrint drops the layout tables from embedded fonts anyway.
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=TEXT_REPERTOIRE & face.codepoints())
    subsetter.subset(font)
    font.save(str(out))
    font.close()


def _single_face_file(face: InstalledFace) -> Path:
    if not face.is_collection:
        return face.path
    return _prepared(face, suffix="", build=_extract_face)


def _primary() -> tuple[InstalledFace, Path, str]:
    """The text face: FangSong if a face that sets simplified Chinese is installed (小四仿宋),
    otherwise Noto Serif CJK SC cut down, otherwise any serif, otherwise any CJK face."""
    faces = [face for face in installed_faces() if face.is_regular]
    fangsong = [face for face in faces if face.is_fangsong and _sets_simplified_chinese(face)]
    if fangsong:
        face = fangsong[0]
        return face, _single_face_file(face), "仿宋"
    noto = _find("Noto Serif CJK SC")
    if noto is not None:
        return noto, _prepared(noto, suffix="-text", build=_cut_to_text_repertoire), "宋体"
    serif = [
        face
        for face in faces
        if re.search(r"serif|song|sung|ming|宋|明", face.family, re.IGNORECASE)
        and "sans" not in face.family.lower()
        and _sets_simplified_chinese(face)
    ]
    any_cjk = [face for face in faces if _sets_simplified_chinese(face)]
    for face in serif + any_cjk:
        return face, _single_face_file(face), face.family
    raise ImproperlyConfigured(gettext("没有可用的中文字体，请安装 fonts-noto-cjk"))


# Faces tried, in order, for the characters the text face lacks.
FALLBACK_FAMILIES = (
    ("Noto Serif CJK SC", "Regular"),
    ("Noto Sans CJK SC", "Regular"),
    ("WenQuanYi Micro Hei", "Regular"),
    ("WenQuanYi Zen Hei", "Regular"),
    ("AR PL UMing CN", "Light"),
    ("HanaMinA", "Regular"),
    ("HanaMinB", "Regular"),
    ("BabelStone Han", "Regular"),
)


@cache
def certificate_fonts() -> tuple[CertificateFont, ...]:
    """The text face first, then the fallbacks; each a single-face file (prepared at first use)."""
    primary, primary_path, kind = _primary()
    fonts = [
        CertificateFont(
            "skilleval-cert-0", primary_path, f"{primary.family} ({kind})", primary.is_fangsong
        )
    ]
    used = {(primary.path, primary.index, primary_path)}
    for family, style in FALLBACK_FAMILIES:
        face = _find(family, style)
        if face is None:
            continue
        path = _single_face_file(face)
        if (face.path, face.index, path) in used:
            continue
        used.add((face.path, face.index, path))
        fonts.append(
            CertificateFont(f"skilleval-cert-{len(fonts)}", path, face.family, face.is_fangsong)
        )
    return tuple(fonts)


def prepare() -> tuple[CertificateFont, ...]:
    """Build the cached faces now (before starting render processes, so they do not race)."""
    fonts = certificate_fonts()
    for font in fonts:
        font.codepoints  # noqa: B018  (load the character map once)
    return fonts


def text_font() -> CertificateFont:
    return certificate_fonts()[0]


def missing_glyphs(text: str) -> list[str]:
    """The characters of `text` that no certificate face can draw."""
    fonts = certificate_fonts()
    return [
        char
        for char in dict.fromkeys(text)
        if not char.isspace() and not any(font.has(char) for font in fonts)
    ]


def face_for(char: str) -> CertificateFont | None:
    """The face that draws `char`: the first in order that has it."""
    return next((font for font in certificate_fonts() if font.has(char)), None)


def check_glyphs(texts) -> None:
    """Raise MissingGlyph naming every character of the texts that no certificate face has."""
    fonts = certificate_fonts()
    problems = []
    for text in texts:
        for char in dict.fromkeys(text or ""):
            if char.isspace() or any(font.has(char) for font in fonts):
                continue
            problems.append((char, text))
    if problems:
        raise MissingGlyph(
            [
                in_both_languages(
                    _(
                        "“%(text)s”中的字符“%(char)s”（U+%(code)s）没有已安装的字体可以显示，请安装含该字的字体"
                    ),
                    {"text": text, "char": char, "code": f"{ord(char):04X}"},
                )
                for char, text in problems
            ]
        )


def font_face_css() -> str:
    """@font-face rules for the certificate faces (file:// URLs: no network) and a body rule
    using them in order, so that Pango takes a character the text face lacks from a fallback."""
    fonts = certificate_fonts()
    rules = [
        f'@font-face {{ font-family: "{font.css_family}"; src: url("{font.path.as_uri()}"); }}'
        for font in fonts
    ]
    stack = ", ".join(f'"{font.css_family}"' for font in fonts)
    return "\n".join([*rules, f"html {{ font-family: {stack}; }}"])


# --- one PDF, one subset --------------------------------------------------------------------------
# Each certificate PDF of a bulk issuance carries only the glyphs it draws (issue 14: a file cut
# out of a hundred-page document carried all hundred names, 119 KB instead of 56 KB). `subset`
# makes that subset from the prepared face file, with HarfBuzz (the library WeasyPrint uses, called
# directly: its bindings cannot load a face from a file), for the pages certificates/drawing.py
# draws and for the static layer WeasyPrint lays out (certificates/pdf.py, own_font_subsets).

_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
# hb-subset.h: the kept glyphs renumbered 0…n in the order of their old ids (the caller renumbers
# the page content to match), no subroutines (smaller after compression for a few dozen glyphs),
# no hinting; drop the tables a PDF reader never looks at.
HB_SUBSET_FLAGS = 0x01 | 0x04 | 0x20  # NO_HINTING | DESUBROUTINIZE | PASSTHROUGH_UNRECOGNIZED
HB_SUBSET_SETS_DROP_TABLE_TAG = 3
DROPPED_TABLES = (
    "BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GDEF", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ",
    "VORG", "vhea", "vmtx", "kern", "meta",
)  # fmt: skip


@cache
def _harfbuzz():
    ffi = cffi.FFI()
    ffi.cdef(_HB_CDEF)
    return ffi, ffi.dlopen("harfbuzz"), ffi.dlopen("harfbuzz-subset")


@cache
def _hb_face(path: str):
    """The face of a prepared font file, loaded once per process (kept until the process ends)."""
    ffi, hb, _subset = _harfbuzz()
    blob = hb.hb_blob_create_from_file_or_fail(path.encode())
    if blob == ffi.NULL:
        raise OSError(f"HarfBuzz cannot read {path}")
    face = hb.hb_face_create(blob, 0)
    hb.hb_blob_destroy(blob)  # the face holds its own reference
    return face


def font_path(css_family: str) -> Path | None:
    """The prepared file of a certificate face, by the family name the stylesheet gives it."""
    return next((f.path for f in certificate_fonts() if f.css_family == css_family), None)


def subset(path: Path, glyph_ids) -> bytes:
    """The font file at `path` cut down to `glyph_ids` and .notdef, renumbered 0…n in the order
    of their old ids."""
    ffi, hb, hb_subset = _harfbuzz()
    plan = ffi.gc(hb_subset.hb_subset_input_create_or_fail(), hb_subset.hb_subset_input_destroy)
    glyphs = hb_subset.hb_subset_input_glyph_set(plan)
    for glyph in {0, *glyph_ids}:
        hb.hb_set_add(glyphs, glyph)
    dropped = hb_subset.hb_subset_input_set(plan, HB_SUBSET_SETS_DROP_TABLE_TAG)
    for tag in DROPPED_TABLES:
        hb.hb_set_add(dropped, int.from_bytes(tag.encode(), "big"))
    hb_subset.hb_subset_input_set_flags(plan, HB_SUBSET_FLAGS)
    face = hb_subset.hb_subset_or_fail(_hb_face(str(path)), plan)
    if face == ffi.NULL:
        raise RuntimeError(f"HarfBuzz could not subset {path.name}")
    blob = hb.hb_face_reference_blob(face)
    try:
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(blob, length)
        return bytes(ffi.buffer(data, length[0]))
    finally:
        hb.hb_blob_destroy(blob)
        hb.hb_face_destroy(face)
