"""The certificate page (人社鉴发〔2021〕1号 style): A4, one page, the right text, a QR code that leads
to the verification page, Chinese in a real CJK face, and no missing glyph for rare names."""

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from certificates import fonts, pdf
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


def test_the_qr_code_decodes_to_the_verification_url(tmp_path):
    """Decoded with zbarimg (Debian zbar-tools) from the page rendered at 300 dpi; without
    zbarimg, the QR image embedded in the page is compared with segno's own matrix."""
    certificate = make_certificate()
    url = settings.SITE_URL + certificate.verification_path()
    data = pdf.render_certificate(certificate)
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
        expected = segno.make(
            url, error=pdf.QR_ERROR, boost_error=False, mask=pdf.QR_MASK, micro=False
        )
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
    caches = (fonts.certificate_fonts, pdf._weasyprint, pdf.static_layer)
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


def test_a_bulk_pdf_looks_exactly_like_the_certificate_rendered_alone(tmp_path):
    """The renumbered glyphs draw the same outlines: both files rasterised give the same pixels."""
    if not shutil.which("pdftoppm"):
        pytest.skip("needs pdftoppm (Debian poppler-utils)")
    certificate = make_certificate("赵䶮")
    _whole, singles = pdf.render_pages([pdf.certificate_page(certificate)])
    images = []
    for name, data in (("bulk", singles[0]), ("alone", pdf.render_certificate(certificate))):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", "60", "-gray", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
            check=True,
        )
        images.append(next(tmp_path.glob(f"{name}*.pgm")).read_bytes())
    assert images[0] == images[1]
