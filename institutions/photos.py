"""Candidate photos (一寸 white-background ID photos, printed on the certificate), uploaded as a
ZIP of images named by ID number (SPEC "Evaluation batches"; 人社鉴发〔2021〕1号 puts the photo
on the skill-level certificate).

All or nothing, like the roster: every file is checked first (type, size, dimensions, background,
a candidate of the batch), and one bad file saves none. Photos are re-encoded as JPEG, which
drops their metadata (EXIF: location, device) before they are stored.
"""

import io
import secrets
import warnings
import zipfile
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext
from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from institutions.choices import CLOSED_BATCH_STATUSES
from institutions.models import Candidate
from skilleval.actions import Forbidden
from skilleval.models import AuditEntry
from skilleval.personal_data import keyed_hash

# Zip-bomb guards: the archive is read entry by entry and never trusted for its own sizes.
MAX_ENTRIES = 2_000
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_FILE_BYTES = 2 * 1024 * 1024
EXTENSIONS = {".jpg", ".jpeg", ".png"}
FORMATS = {"JPEG", "PNG"}
# 一寸 photo (25 × 35 mm): portrait, about 295 × 413 px at 300 dpi.
MIN_WIDTH, MAX_WIDTH = 250, 800
MIN_RATIO, MAX_RATIO = 1.25, 1.55
# The top corners of an ID photo are background; on white they are bright (0 black – 255 white).
MIN_CORNER_BRIGHTNESS = 200
CORNER_FRACTION = 0.12
# Archive clutter from macOS and Windows, skipped without complaint.
IGNORED_PARTS = ("__MACOSX",)
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
JPEG_QUALITY = 90


class PhotoErrors(Exception):
    """The ZIP was refused and no photo was saved; ``errors`` lists {"file", "zh", "en"}."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        n = len(errors)
        lines = [gettext("照片有 %(n)s 处错误，未保存任何照片") % {"n": n}]
        lines += [f"{e['file'] or 'ZIP'}：{e['zh']} / {e['en']}" for e in errors[:20]]
        super().__init__("\n".join(lines))


def _problem(file: str, zh: str, en: str) -> dict:
    return {"file": file, "zh": zh, "en": en}


def candidates_without_photo(batch):
    """The batch's candidates who still have no photo, in roster order."""
    return batch.candidates.filter(photo="").order_by("pk")


def _unsafe_name(name: str) -> bool:
    """A path that climbs out (../) or starts at the root: never a photo of ours."""
    path = PurePosixPath(name.replace("\\", "/"))
    drive = bool(path.parts) and ":" in path.parts[0]  # C:\photos\…
    return path.is_absolute() or ".." in path.parts or drive


def _skipped(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        name.endswith("/")
        or any(part in IGNORED_PARTS for part in path.parts)
        or path.name.lower() in IGNORED_NAMES
        or path.name.startswith("._")
    )


def _entries(archive: zipfile.ZipFile) -> tuple[list[zipfile.ZipInfo], list[dict]]:
    """The image entries, or the archive-level problems that refuse it outright."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        return [], [
            _problem(
                "",
                f"ZIP 中有 {len(infos)} 个文件，一次最多 {MAX_ENTRIES} 个",
                f"The ZIP holds {len(infos)} entries; at most {MAX_ENTRIES} per upload",
            )
        ]
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        return [], [
            _problem(
                "",
                f"ZIP 解压后超过 {MAX_TOTAL_BYTES // 2**20} MB",
                f"The ZIP unpacks to more than {MAX_TOTAL_BYTES // 2**20} MB",
            )
        ]
    unsafe = [info.filename for info in infos if _unsafe_name(info.filename)]
    if unsafe:
        return [], [
            _problem(
                name,
                "文件名含有上级目录（../）或绝对路径，ZIP 不予处理",
                "The name climbs out of the archive (../) or is absolute; the ZIP is refused",
            )
            for name in unsafe[:20]
        ]
    return [info for info in infos if not _skipped(info.filename)], []


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | dict:
    name = info.filename
    if info.flag_bits & 0x1:
        return _problem(name, "文件已加密，无法读取", "The file is encrypted")
    if info.compress_size > MAX_FILE_BYTES or info.file_size > MAX_FILE_BYTES:
        return _problem(
            name,
            f"照片超过 {MAX_FILE_BYTES // 2**20} MB",
            f"The photo is larger than {MAX_FILE_BYTES // 2**20} MB",
        )
    with archive.open(info) as handle:
        data = handle.read(MAX_FILE_BYTES + 1)  # the declared size may lie
    if len(data) > MAX_FILE_BYTES:
        return _problem(
            name,
            f"照片超过 {MAX_FILE_BYTES // 2**20} MB",
            f"The photo is larger than {MAX_FILE_BYTES // 2**20} MB",
        )
    return data


# An ID photo is at most 800 × 1,240 pixels; the header's size is checked before any decoding,
# so a small file declaring 14,000 × 14,000 pixels (a decompression bomb) is refused unread.
MAX_PIXELS = MAX_WIDTH * int(MAX_WIDTH * MAX_RATIO) * 2


def check_photo(name: str, data: bytes) -> Image.Image | dict:
    """Open and check one photo; return the upright RGB image, or the problem."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                declared = probe.size
                if declared[0] * declared[1] > MAX_PIXELS:
                    raise Image.DecompressionBombError(declared)
                probe.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _problem(
            name,
            f"图片声明的像素数远超一寸照片（上限 {MAX_PIXELS} 像素），未予读取",
            f"The image declares far more pixels than an ID photo (at most {MAX_PIXELS}); "
            "it was not read",
        )
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return _problem(
            name,
            f"不是有效的图片文件（{exc.__class__.__name__}）",
            f"Not a valid image file ({exc.__class__.__name__})",
        )
    if image_format not in FORMATS:
        return _problem(
            name,
            f"图片格式为 {image_format}，只接受 JPEG 或 PNG",
            f"The image is {image_format}; only JPEG or PNG are accepted",
        )
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if image.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF orientation: shown turned by 90°
        width, height = height, width
    ratio = height / width if width else 0
    if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_RATIO <= ratio <= MAX_RATIO):
        return _problem(
            name,
            f"尺寸 {width}×{height} 像素不符合一寸照片要求：宽 {MIN_WIDTH}–{MAX_WIDTH} 像素、"
            f"高宽比 {MIN_RATIO}–{MAX_RATIO}（竖版，如 295×413）",
            f"{width}×{height} px is not a 一寸 ID photo: width {MIN_WIDTH}–{MAX_WIDTH} px and "
            f"height/width {MIN_RATIO}–{MAX_RATIO} (portrait, e.g. 295×413)",
        )
    try:
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
            # A transparent background prints as the paper: white.
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        else:
            image = image.convert("RGB")
    except (OSError, ValueError) as exc:
        return _problem(
            name,
            f"图片无法解码（{exc.__class__.__name__}）",
            f"The image cannot be decoded ({exc.__class__.__name__})",
        )
    brightness = corner_brightness(image)
    if brightness < MIN_CORNER_BRIGHTNESS:
        return _problem(
            name,
            f"背景不是白色：照片上方两角的平均亮度为 {brightness:.0f}（满分 255，至少 "
            f"{MIN_CORNER_BRIGHTNESS}）；证书照片须为白底一寸证件照",
            f"The background is not white: the top corners' mean brightness is {brightness:.0f} "
            f"of 255 (at least {MIN_CORNER_BRIGHTNESS}); certificate photos are ID photos on white",
        )
    return image


def corner_brightness(image: Image.Image) -> float:
    """Mean brightness (0–255) of the two top corners, where an ID photo shows only background."""
    width, height = image.size
    w, h = max(1, int(width * CORNER_FRACTION)), max(1, int(height * CORNER_FRACTION))
    grey = image.convert("L")
    corners = [grey.crop((0, 0, w, h)), grey.crop((width - w, 0, width, h))]
    return sum(ImageStat.Stat(corner).mean[0] for corner in corners) / len(corners)


def _id_of(name: str) -> str | None:
    path = PurePosixPath(name)
    if path.suffix.lower() not in EXTENSIONS:
        return None
    return path.stem.strip().replace(" ", "").upper()


def import_photos(batch, zip_file, *, user) -> dict:
    """Check and save a ZIP of photos for a batch, all or nothing. Returns the number saved and
    the names of the candidates still without a photo; raises PhotoErrors when any file is bad."""
    if user is None or not batch.is_run_by(user):
        raise Forbidden(gettext("您无权为该批次上传照片"))
    if batch.status in CLOSED_BATCH_STATUSES:
        raise ValidationError(
            gettext("批次已“%(status)s”，不能再上传照片") % {"status": batch.get_status_display()}
        )
    if hasattr(zip_file, "seek"):
        zip_file.seek(0)
    try:
        archive = zipfile.ZipFile(zip_file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PhotoErrors([_problem("", "不是有效的 ZIP 文件", "Not a valid ZIP file")]) from exc

    with archive:
        entries, errors = _entries(archive)
        if errors:
            raise PhotoErrors(errors)
        candidates = {
            c.id_number_hash: c
            for c in batch.candidates.only("pk", "batch", "name", "id_number_hash", "photo")
        }
        matched: dict[int, tuple[zipfile.ZipInfo, Candidate]] = {}
        first_file: dict[int, str] = {}
        for info in entries:
            name = info.filename
            id_number = _id_of(name)
            if id_number is None:
                errors.append(
                    _problem(
                        name,
                        "只接受 .jpg、.jpeg 或 .png 照片，文件名为证件号码",
                        "Only .jpg, .jpeg or .png photos named by ID number are accepted",
                    )
                )
                continue
            candidate = candidates.get(keyed_hash(id_number))
            if candidate is None:
                errors.append(
                    _problem(
                        name,
                        "本批次没有该证件号码的考生（文件名应为考生的证件号码）",
                        "No candidate of this batch has this ID number (name files by ID number)",
                    )
                )
                continue
            if candidate.pk in first_file:
                errors.append(
                    _problem(
                        name,
                        f"与 {first_file[candidate.pk]} 是同一考生的照片",
                        f"Another photo of the same candidate as {first_file[candidate.pk]}",
                    )
                )
                continue
            first_file[candidate.pk] = name
            data = _read_entry(archive, info)
            checked = data if isinstance(data, dict) else check_photo(name, data)
            if isinstance(checked, dict):
                errors.append(checked)
                continue
            checked.close()
            matched[candidate.pk] = (info, candidate)
        if errors:
            raise PhotoErrors(errors)
        if not matched:
            raise PhotoErrors([_problem("", "ZIP 中没有照片", "The ZIP holds no photos")])
        saved = _save(batch, archive, matched.values())

    missing = list(candidates_without_photo(batch).values_list("name", flat=True))
    return {"saved": saved, "missing": missing}


def _delete_files(storage, names) -> None:
    for name in names:
        storage.delete(name)


def _save(batch, archive, matched) -> int:
    """Re-encode every checked photo as JPEG and store it; on any failure the new files go away
    and no candidate changes."""
    written, replaced, updated = [], [], []
    storage = Candidate._meta.get_field("photo").storage
    try:
        for info, candidate in matched:
            image = check_photo(info.filename, _read_entry(archive, info))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no EXIF copied
            image.close()
            if candidate.photo:
                replaced.append(candidate.photo.name)
            # The stored name carries no ID number; the random part keeps URLs unguessable.
            candidate.photo.save(
                f"{secrets.token_hex(8)}.jpg", ContentFile(buffer.getvalue()), save=False
            )
            written.append(candidate.photo.name)
            updated.append(candidate)
        with transaction.atomic():
            Candidate.objects.bulk_update(updated, ["photo"], batch_size=500)
            # bulk_update sends no signals: one summary entry for the audit log.
            AuditEntry.objects.record(
                "update",
                object_type="institutions.candidate",
                object_id=f"batch:{batch.pk}",
                object_repr=f"{batch} 考生照片 {len(updated)} 张",
                after={"batch": batch.pk, "photos": len(updated)},
            )
            transaction.on_commit(lambda: _delete_files(storage, replaced))
    except Exception:
        _delete_files(storage, written)
        raise
    return len(updated)
