"""Candidate photos: a ZIP of 一寸 white-background images named by ID number, all or nothing."""

import io
import os
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from PIL import Image, ImageDraw
from stdnum.cn import ric

from institutions.photos import (
    MAX_ENTRIES,
    PhotoErrors,
    candidates_without_photo,
    import_photos,
)
from skilleval import personal_data
from skilleval.models import AuditEntry
from tests.factories import (
    approved_filing,
    make_candidate,
    planned_batch,
)
from tests.hostile_files import png_header_only, zip_of

pytestmark = pytest.mark.django_db


def resident_id(n: int) -> str:
    body = f"320102{1980 + n % 20}0101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def photo(size=(295, 413), background="white", fmt="JPEG", mode="RGB", **save) -> bytes:
    """An ID photo: a plain background with a dark head and shoulders in the middle."""
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.6), fill="#3a2a20")
    draw.rectangle((w * 0.15, h * 0.65, w * 0.85, h), fill="#202840")
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "某品牌手机"  # Make
    exif[0x0131] = "修图软件"  # Software
    return exif.tobytes()


def as_zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def batch(nanjing_institution, alice, lathe):
    approved_filing(nanjing_institution, [(lathe, 4)], regions=["320100"])
    batch = planned_batch(
        nanjing_institution,
        alice,
        lathe,
        exam_starts_on=date(2026, 12, 1),
        exam_ends_on=date(2026, 12, 2),
    )
    batch.publish_plan(alice)
    for n in (1, 2, 3):
        number = resident_id(n)
        make_candidate(
            batch,
            n,
            id_number_encrypted=personal_data.encrypt(number),
            id_number_hash=personal_data.keyed_hash(number),
            id_number_masked=personal_data.mask_id_number(number),
        )
    return batch


def verdict(batch, user, name: str, data: bytes) -> list[dict]:
    with pytest.raises(PhotoErrors) as caught:
        import_photos(batch, as_zip({name: data}), user=user)
    return caught.value.errors


class TestOnePhoto:
    def test_a_white_background_295_by_413_jpeg_is_accepted(self, batch, alice):
        result = import_photos(batch, as_zip({f"{resident_id(1)}.jpg": photo()}), user=alice)
        assert result["saved"] == 1

    def test_a_dark_background_is_refused_saying_why(self, batch, alice):
        [problem] = verdict(batch, alice, f"{resident_id(1)}.jpg", photo(background="#2050a0"))
        assert "背景不是白色" in problem["zh"] and "brightness" in problem["en"]
        assert problem["file"] == f"{resident_id(1)}.jpg"

    def test_a_landscape_image_is_refused(self, batch, alice):
        [problem] = verdict(batch, alice, f"{resident_id(1)}.jpg", photo(size=(413, 295)))
        assert "413×295" in problem["zh"] and "一寸" in problem["zh"]

    @pytest.mark.parametrize("size", [((240, 336)), ((820, 1148)), ((300, 360)), ((300, 480))])
    def test_sizes_outside_the_one_inch_bounds_are_refused(self, batch, alice, size):
        [problem] = verdict(batch, alice, f"{resident_id(1)}.png", photo(size=size, fmt="PNG"))
        assert "尺寸" in problem["zh"]

    def test_a_gif_is_refused_by_name_and_by_content(self, batch, alice):
        gif = photo(fmt="GIF", mode="P")
        [by_name] = verdict(batch, alice, f"{resident_id(1)}.gif", gif)
        assert ".jpg" in by_name["zh"]
        [by_content] = verdict(batch, alice, f"{resident_id(1)}.jpg", gif)
        assert "GIF" in by_content["zh"]

    def test_a_renamed_text_file_is_refused(self, batch, alice):
        [problem] = verdict(batch, alice, f"{resident_id(1)}.jpg", b"just some text, not a photo")
        assert "不是有效的图片" in problem["zh"]

    def test_a_photo_of_nobody_in_the_batch_is_refused(self, batch, alice):
        [problem] = verdict(batch, alice, f"{resident_id(9)}.jpg", photo())
        assert "没有该证件号码的考生" in problem["zh"]

    def test_a_transparent_png_counts_as_white(self, batch, alice):
        data = photo(fmt="PNG", mode="RGBA", background=(0, 0, 0, 0))
        assert (
            import_photos(batch, as_zip({f"{resident_id(1)}.PNG": data}), user=alice)["saved"] == 1
        )

    def test_an_oversized_file_is_refused(self, batch, alice):
        noise = Image.frombytes("RGB", (800, 1200), os.urandom(800 * 1200 * 3))
        buffer = io.BytesIO()
        noise.save(buffer, "PNG")
        assert len(buffer.getvalue()) > 2 * 1024 * 1024
        [problem] = verdict(batch, alice, f"{resident_id(1)}.png", buffer.getvalue())
        assert "2 MB" in problem["zh"]


class TestZip:
    def test_a_good_zip_saves_the_photos_and_lists_who_is_still_missing(self, batch, alice):
        files = {
            f"照片/{resident_id(1)}.JPG": photo(exif=camera_exif()),
            f"{resident_id(2).lower()}.jpeg": photo(size=(354, 472)),
            "__MACOSX/._x.jpg": b"resource fork",
        }
        result = import_photos(batch, as_zip(files), user=alice)
        assert result == {"saved": 2, "missing": ["考生3"]}
        assert list(candidates_without_photo(batch).values_list("name", flat=True)) == ["考生3"]
        first = batch.candidates.get(name="考生1")
        assert resident_id(1) not in first.photo.name
        with first.photo.open("rb") as handle, Image.open(handle) as stored:
            assert stored.format == "JPEG" and stored.size == (295, 413)
            assert not stored.getexif()
        entry = AuditEntry.objects.get(object_id=f"batch:{batch.pk}", action="update")
        assert entry.after == {"batch": batch.pk, "photos": 2}

    def test_one_bad_photo_saves_none(self, batch, alice):
        files = {
            f"{resident_id(1)}.jpg": photo(),
            f"{resident_id(2)}.jpg": photo(background="black"),
        }
        with pytest.raises(PhotoErrors) as caught:
            import_photos(batch, as_zip(files), user=alice)
        assert [e["file"] for e in caught.value.errors] == [f"{resident_id(2)}.jpg"]
        assert candidates_without_photo(batch).count() == 3

    def test_two_photos_of_one_candidate_are_refused(self, batch, alice):
        files = {f"a/{resident_id(1)}.jpg": photo(), f"b/{resident_id(1)}.png": photo(fmt="PNG")}
        with pytest.raises(PhotoErrors, match="同一考生"):
            import_photos(batch, as_zip(files), user=alice)

    def test_a_zip_with_too_many_entries_is_refused(self, batch, alice):
        files = {f"{n}.txt": b"" for n in range(MAX_ENTRIES + 1)}
        with pytest.raises(PhotoErrors) as caught:
            import_photos(batch, as_zip(files), user=alice)
        [problem] = caught.value.errors
        assert str(MAX_ENTRIES) in problem["zh"] and problem["file"] == ""

    def test_a_zip_bomb_is_refused_before_it_is_unpacked(self, batch, alice):
        files = {f"{n}.jpg": b"\0" * (20 * 1024 * 1024) for n in range(16)}  # 320 MB unpacked
        with pytest.raises(PhotoErrors) as caught:
            import_photos(batch, as_zip(files), user=alice)
        assert "300 MB" in caught.value.errors[0]["zh"]

    def test_a_file_that_is_not_a_zip_is_refused(self, batch, alice):
        with pytest.raises(PhotoErrors, match="ZIP"):
            import_photos(batch, io.BytesIO(b"not a zip"), user=alice)

    def test_another_institution_may_not_upload_photos(self, batch, charlie):
        with pytest.raises(PermissionDenied):
            import_photos(batch, as_zip({f"{resident_id(1)}.jpg": photo()}), user=charlie)


class TestHostileArchives:
    """Refused with a clear message, nothing saved, the process alive (issue: bad uploads)."""

    def test_a_pixel_bomb_is_refused_from_its_header_without_decoding(self, batch, alice):
        errors = verdict(batch, alice, f"{resident_id(1)}.png", png_header_only(14000, 14000))
        assert "像素数远超一寸照片" in errors[0]["zh"] and "未予读取" in errors[0]["zh"]

    def test_a_photo_declaring_more_pixels_than_an_id_photo_is_refused_unread(self, batch, alice):
        errors = verdict(batch, alice, f"{resident_id(1)}.png", png_header_only(4000, 6000))
        assert "未予读取" in errors[0]["zh"]
        assert not batch.candidates.exclude(photo="").exists()

    @pytest.mark.parametrize("name", ["../../etc/passwd.jpg", "/abs/photo.jpg", "C:/x/a.jpg"])
    def test_a_name_that_climbs_out_of_the_archive_refuses_the_zip(self, batch, alice, name):
        archive = zip_of({name: photo(), f"{resident_id(1)}.jpg": photo()})
        with pytest.raises(PhotoErrors) as caught:
            import_photos(batch, io.BytesIO(archive), user=alice)
        assert "../" in caught.value.errors[0]["zh"]
        assert not batch.candidates.exclude(photo="").exists()

    def test_ten_thousand_entries_are_refused_before_any_is_read(self, batch, alice):
        archive = zip_of({f"{n:05d}.jpg": b"" for n in range(10_000)})
        with pytest.raises(PhotoErrors) as caught:
            import_photos(batch, io.BytesIO(archive), user=alice)
        assert "10000 个文件" in caught.value.errors[0]["zh"]

    def test_a_50_mb_photo_is_refused_by_size(self, batch, alice):
        errors = verdict(batch, alice, f"{resident_id(1)}.jpg", b"\xff\xd8\xff" + bytes(50 * 2**20))
        assert "超过 2 MB" in errors[0]["zh"]
