"""The certificate page (人社鉴发〔2021〕1号 style): A4, one page, the right text, a QR code that leads
to the verification page, Chinese in a real CJK face, and no missing glyph for rare names."""

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from certificates import drawing, fonts, pdf
from certificates.choices import CertificateKind
from certificates.models import Certificate
from institutions.choices import IdType
from skilleval import personal_data
from skilleval.demo import make_photo_jpeg
from tests.factories import InstitutionFactory, occupation_with_resources

pytestmark = pytest.mark.django_db

A4_POINTS = (595.28, 841.89)
ID_NUMBER = "32010219800101123X"


def make_certificate(name="王小明", *, kind=CertificateKind.SKILL_LEVEL, work_type="", level=4):
    institution = InstitutionFactory(
        name="南京测试机电有限公司江宁分公司", province_serial="000123", responsible_person="张三"
    )
    occupation = occupation_with_resources()
    photo = default_storage.save("tests/photos/one-inch.jpg", ContentFile(make_photo_jpeg()))
    return Certificate.objects.create(
        kind=kind,
        number="S000032000123264000001",
        institution=institution,
        holder_name=name,
        id_type=IdType.RESIDENT_ID,
        id_number_encrypted=personal_data.encrypt(ID_NUMBER),
        id_number_hash=personal_data.keyed_hash(ID_NUMBER),
        id_number_masked=personal_data.mask_id_number(ID_NUMBER),
        occupation=occupation,
        work_type=work_type,
        level=level,
        issued_on=date(2026, 5, 3),
        signatory="张三",
        photo=photo,
    )


def pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (Debian poppler-utils)")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout


def test_it_is_one_a4_portrait_page():
    import pikepdf

    data = pdf.render_certificate(make_certificate())
    with pikepdf.Pdf.open(io.BytesIO(data)) as document:
        assert len(document.pages) == 1
        width, height = (float(v) for v in document.pages[0].mediabox[2:])
    assert (width, height) == pytest.approx(A4_POINTS, abs=0.5)


def test_it_shows_what_the_national_style_requires(tmp_path):
    certificate = make_certificate()
    text = pdf_text(pdf.render_certificate(certificate), tmp_path)
    for expected in (
        "职业技能等级证书",
        "王小明",
        "居民身份证",
        ID_NUMBER,  # in full: the certificate is the holder's own document
        "车工",
        "四级/中级工",
        "S000032000123264000001",
        "2026年5月3日",
        "南京测试机电有限公司江宁分公司",
        "张三",
        f"{settings.SITE_URL}/lookup/",
        f"{settings.SITE_URL}/catalog/",
    ):
        assert expected in text, expected


def test_no_work_type_reads_two_dashes_never_blank(tmp_path):
    text = pdf_text(pdf.render_certificate(make_certificate(work_type="")), tmp_path)
    row = text.split("工种/职业方向")[1].split("职业技能等级")[0]
    assert row.split() == ["Work", "type", "/", "direction", "--"]


def test_the_title_follows_the_kind(tmp_path):
    text = pdf_text(
        pdf.render_certificate(make_certificate(kind=CertificateKind.VOCATIONAL_QUALIFICATION)),
        tmp_path,
    )
    assert "职业资格证书" in text and "职业技能等级证书" not in text


def test_the_filled_text_is_set_in_a_cjk_face_embedded_as_a_subset(tmp_path):
    if not shutil.which("pdffonts"):
        pytest.skip("needs pdffonts (Debian poppler-utils)")
    listing = pdf_fonts(pdf.render_certificate(make_certificate()), tmp_path)
    face = fonts.text_font()
    assert face.is_fangsong or "Noto Serif CJK SC" in face.description
    embedded = [line for line in listing.splitlines()[2:] if line.strip()]
    assert embedded and all(" yes " in line for line in embedded)  # embedded, subset
    assert embedded[0].startswith(f"{face.css_family} ") or "+skilleval-cert-0 " in embedded[0]
    assert "CID" in embedded[0]


@pytest.mark.parametrize("way", ["alone", "bulk"])
def test_the_qr_code_decodes_to_the_verification_url(way, tmp_path):
    """Decoded with zbarimg (Debian zbar-tools) from the page rendered at 300 dpi; without
    zbarimg, the QR image embedded in the page is compared with segno's own matrix. Both the
    certificate laid out alone (WeasyPrint) and the one drawn for bulk issuance."""
    certificate = make_certificate()
    url = settings.SITE_URL + certificate.verification_path()
    if way == "alone":
        data = pdf.render_certificate(certificate)
    else:
        data = pdf.render_pages([pdf.certificate_page(certificate)])[1][0]
    if shutil.which("zbarimg") and shutil.which("pdftoppm"):
        (tmp_path / "c.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "300", str(tmp_path / "c.pdf"), str(tmp_path / "page")],
            check=True,
        )
        png = next(tmp_path.glob("page*.png"))
        decoded = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert decoded == [url]
    else:
        import pikepdf

        with pikepdf.Pdf.open(io.BytesIO(data)) as document:
            images = [
                pikepdf.PdfImage(image).as_pil_image()
                for image in document.pages[0].get_images().values()
            ]
        expected = drawing.qr_code(url)
        size = expected.symbol_size(scale=1, border=2)
        qr = next(image for image in images if image.size == size)
        matrix = [
            [qr.convert("L").getpixel((x + 2, y + 2)) < 128 for x in range(size[0] - 4)]
            for y in range(size[1] - 4)
        ]
        assert matrix == [[bool(m) for m in row] for row in expected.matrix]


@pytest.mark.parametrize("name", ["王珺", "李喆", "张昇", "陈堃", "刘燚", "赵䶮"])
def test_rare_characters_in_names_render_with_real_glyphs(name, tmp_path):
    assert fonts.missing_glyphs(name) == []
    rare = name[1]
    face = fonts.face_for(rare)
    assert face is not None
    data = pdf.render_certificate(make_certificate(name))
    text = pdf_text(data, tmp_path)
    assert name in text
    if shutil.which("pdffonts") and face is not fonts.text_font():
        # The rare character comes from the fallback face, embedded alongside the text face.
        assert f"+{face.css_family} " in pdf_fonts(data, tmp_path)


def test_a_character_no_installed_font_has_is_refused_by_name():
    # CJK Extension I (Unicode 15.1): in no Debian font today. Skip if a future font has them.
    candidates = [chr(cp) for cp in range(0x2EBF0, 0x2EC00)]
    missing = [char for char in candidates if fonts.missing_glyphs(char)]
    if not missing:
        pytest.skip("every candidate character has a glyph in an installed font")
    name = "赵" + missing[0]
    with pytest.raises(fonts.MissingGlyph, match=f"U\\+{ord(missing[0]):04X}"):
        pdf.render_certificate(make_certificate(name))


def test_harfbuzz_subsetting_is_installed():
    """Without libharfbuzz-subset0 WeasyPrint embeds fonts through fontTools, about 40 times
    slower: bulk issuance would miss its target. This must fail, not skip."""
    assert fonts.harfbuzz_subset_available(), (
        "HarfBuzz subsetting library missing: install the Debian package libharfbuzz-subset0"
    )


def test_each_face_used_is_a_single_face_file_not_a_collection():
    for face in fonts.certificate_fonts():
        assert face.path.suffix.lower() in (".otf", ".ttf"), face.path


def test_bulk_pages_are_one_page_pdfs_each_carrying_only_their_own_photo():
    import pikepdf

    certificates = [make_certificate(name) for name in ("王小明",)]
    pages = [pdf.certificate_page(c) for c in certificates] * 3
    whole, singles = pdf.render_pages([dict(page) for page in pages])
    with pikepdf.Pdf.open(io.BytesIO(whole)) as document:
        assert len(document.pages) == 3
    for single in singles:
        with pikepdf.Pdf.open(io.BytesIO(single)) as document:
            assert len(document.pages) == 1
            page = document.pages[0]
            assert len(page.get_images(recursive=False)) == 2  # the photo and the QR code
            assert len(page.form_xobjects) == 1  # the static layer underneath


def test_the_bulk_page_and_the_single_render_show_the_same_text(tmp_path):
    certificate = make_certificate("欧阳娜娜")
    _whole, singles = pdf.render_pages([pdf.certificate_page(certificate)])
    bulk = pdf_text(singles[0], tmp_path)
    single = pdf_text(pdf.render_certificate(certificate), tmp_path)
    assert bulk.split() == single.split()


def test_without_a_fangsong_face_the_text_face_is_noto_serif_cut_to_gb2312(monkeypatch, tmp_path):
    """Where no FangSong face for simplified Chinese is installed, the text is set in Noto Serif
    CJK SC cut down to the GB 2312 repertoire (so glyph ids stay small), and the full face draws
    the rare characters."""
    from fontTools.ttLib import TTFont

    faces = tuple(face for face in fonts.installed_faces() if not face.is_fangsong)
    if not any(face.family == "Noto Serif CJK SC" for face in faces):
        pytest.skip("needs Noto Serif CJK (Debian fonts-noto-cjk)")
    monkeypatch.setattr(fonts, "installed_faces", lambda: faces)
    caches = (
        fonts.certificate_fonts,
        pdf._weasyprint,
        pdf.static_layer,
        drawing.face,
        drawing._glyph,
    )
    for cached in caches:
        cached.cache_clear()
    try:
        text_face = fonts.text_font()
        assert not text_face.is_fangsong and "Noto Serif CJK SC" in text_face.description
        assert len(TTFont(text_face.path, lazy=True).getGlyphOrder()) < 9000
        assert text_face.codepoints >= fonts.GB2312_LEVEL_1
        assert fonts.face_for("珺") is not text_face and fonts.face_for("珺") is not None
        data = pdf.render_certificate(make_certificate("王珺"))
        assert "王珺" in pdf_text(data, tmp_path)
    finally:
        for cached in caches:
            cached.cache_clear()


def _font_programs(document):
    """(glyph count, characters of the ToUnicode maps) of every font embedded in a PDF."""
    from fontTools.ttLib import TTFont

    glyphs, mapped = [], ""
    for obj in document.objects:
        if not isinstance(obj, pikepdf_module().Dictionary) or obj.get("/Type") != "/Font":
            continue
        if obj.get("/Subtype") != "/Type0":
            continue
        descriptor = obj.DescendantFonts[0].FontDescriptor
        program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
        glyphs.append(len(TTFont(io.BytesIO(program.read_bytes())).getGlyphOrder()))
        cmap = obj.ToUnicode.read_bytes().decode()
        for _code, text in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", cmap):
            mapped += bytes.fromhex(text).decode("utf-16-be")
    return glyphs, mapped


def pikepdf_module():
    import pikepdf

    return pikepdf


def pages_named(*names):
    """Certificate pages of one certificate under several holders' names (unsaved)."""
    certificate, pages = make_certificate(), []
    for name in names:
        certificate.holder_name = name
        pages.append(pdf.certificate_page(certificate))
    return pages


def test_each_bulk_pdf_embeds_only_the_glyphs_it_draws(tmp_path):
    """Issue 14: a certificate cut out of a many-page document carried the font subset of all
    its certificates. Each now has compact subsets (a few hundred glyphs, not the face's 7,800
    glyph slots) that hold no other holder's name, and its text stays selectable."""
    pikepdf = pikepdf_module()
    _whole, singles = pdf.render_pages(pages_named("王小明", "欧阳娜娜"))
    for data, own, other in (
        (singles[0], "王小明", "欧阳娜娜"),
        (singles[1], "欧阳娜娜", "王小明"),
    ):
        with pikepdf.Pdf.open(io.BytesIO(data)) as document:
            glyphs, mapped = _font_programs(document)
        text = pdf_text(data, tmp_path)
        assert own in text
        assert glyphs and max(glyphs) < 400
        assert set(own) <= set(mapped)
        assert not (set(other) - set(text)) & set(mapped)  # 欧阳娜 / 王小: the other name only


def test_a_signed_bulk_pdf_with_its_photo_stays_under_60_kb():
    _whole, singles = pdf.render_pages(pages_named("王小明", "欧阳娜娜", "李喆"))
    assert all(len(data) <= 60 * 1024 for data in singles), [len(data) for data in singles]


WORD_BOX = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def words_placed(data: bytes, tmp_path) -> list[tuple[str, float, float, float]]:
    """Every word of a PDF's text with its box (left, top, right in pt), as pdftotext reads it."""
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (Debian poppler-utils)")
    path = tmp_path / "placed.pdf"
    path.write_bytes(data)
    listing = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        (word, float(left), float(top), float(right))
        for left, top, right, _bottom, word in WORD_BOX.findall(listing)
    ]


def drawn_and_laid_out(certificate, tmp_path):
    """The words of a certificate drawn for bulk issuance and laid out alone by WeasyPrint."""
    _whole, (drawn,) = pdf.render_pages([pdf.certificate_page(certificate)], sign=False)
    alone = pdf._render_plain([pdf.certificate_page(certificate)])
    return words_placed(drawn, tmp_path), words_placed(alone, tmp_path)


LONG_INSTITUTION = "江苏省南京市某某某某职业技能等级认定评价中心有限责任公司第二分公司"


@pytest.mark.parametrize(
    "name, changes",
    [
        ("欧阳娜娜", {}),
        ("Maria Josefina Fernández-Castillo", {}),  # a name set smaller in its row (.long)
        ("王小明", {"work_type": "一个很长的工种名称用于检查小字号这一行是否对齐以及后面各行"}),
        ("李四", {"institution": LONG_INSTITUTION}),  # the issuer's name wraps
        ("张三", {"kind": CertificateKind.SPECIAL_ABILITY}),  # another body text, wrapped
    ],
)
def test_a_drawn_certificate_places_every_word_where_weasyprint_lays_it_out(
    name, changes, tmp_path
):
    """Bulk issuance draws the filled layer itself (certificates/drawing.py); the certificate
    laid out alone by WeasyPrint is the reference: the same words, in the same lines, at the same
    places (within a twentieth of a point), wrapping included."""
    certificate = make_certificate(name, kind=changes.pop("kind", CertificateKind.SKILL_LEVEL))
    if "institution" in changes:
        certificate.institution.name = changes.pop("institution")
    for field, value in changes.items():
        setattr(certificate, field, value)
    drawn, alone = drawn_and_laid_out(certificate, tmp_path)
    assert [w[0] for w in drawn] == [w[0] for w in alone]
    for mine, reference in zip(drawn, alone, strict=True):
        assert mine[1:] == pytest.approx(reference[1:], abs=0.05), mine[0]


def test_a_rare_character_from_a_fallback_face_moves_its_line_by_under_half_a_point(tmp_path):
    """WeasyPrint makes a line holding a glyph of the fallback face a little taller than the
    face's metrics say (about 0.03 em); the drawing keeps the text face's line box there."""
    drawn, alone = (
        sorted(words) for words in drawn_and_laid_out(make_certificate("赵䶮"), tmp_path)
    )
    assert [w[0] for w in drawn] == [w[0] for w in alone]
    for mine, reference in zip(drawn, alone, strict=True):
        assert mine[1:] == pytest.approx(reference[1:], abs=0.5), mine[0]


def test_a_drawn_certificate_looks_like_the_certificate_laid_out_alone(tmp_path):
    """Rasterised, the drawn page and WeasyPrint's differ in fewer than 1 pixel in 2,000 (the
    photo and QR code are the same images, the glyphs the same outlines at the same places)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils)")
    from PIL import Image, ImageChops

    certificate = make_certificate("欧阳娜娜")
    _whole, singles = pdf.render_pages([pdf.certificate_page(certificate)], sign=False)
    images = []
    for name, data in (("drawn", singles[0]), ("alone", pdf.render_certificate(certificate))):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", "100", "-gray", "-singlefile", str(tmp_path / f"{name}.pdf"),
             str(tmp_path / name)],
            check=True,
        )  # fmt: skip
        images.append(Image.open(tmp_path / f"{name}.pgm"))
    assert images[0].size == images[1].size
    histogram = ImageChops.difference(*images).histogram()
    differing = sum(histogram[33:])
    assert differing < images[0].size[0] * images[0].size[1] / 2000, differing


def test_the_chunk_print_pdf_shares_one_subset_per_face_among_its_pages(tmp_path):
    """The print PDF of a chunk holds each face once, with the glyphs of all its pages: every
    holder's name is in it, and it is far smaller than the one-page PDFs together."""
    pikepdf = pikepdf_module()
    names = ("王小明", "欧阳娜娜", "李喆", "赵䶮")
    whole, singles = pdf.render_pages(pages_named(*names), sign=False)
    with pikepdf.Pdf.open(io.BytesIO(whole)) as document:
        assert len(document.pages) == len(names)
        _glyphs, mapped = _font_programs(document)
        used_fonts = {
            font.objgen for page in document.pages for font in page.Resources.Font.values()
        }
    assert len(used_fonts) == 2  # the text face and the fallback for 䶮 (+ the static layer's)
    assert set("".join(names)) <= set(mapped)
    text = pdf_text(whole, tmp_path)
    assert all(name in text for name in names)
    assert len(whole) < sum(len(data) for data in singles) * 0.6
