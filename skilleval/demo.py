"""Small helpers shared by seed_demo and the test factories."""

import io

from PIL import Image, ImageDraw
from stdnum.cn import ric, uscc


def make_uscc(region_code: str, serial: int) -> str:
    """A well-formed 统一社会信用代码 (GB 32100) for demo and test data: 9 (market regulator),
    1 (company), the 6-digit region code, a 9-digit body and the check character."""
    body = f"91{region_code}{serial:09d}"
    return body + uscc.calc_check_digit(body)


def make_resident_id(region_code: str, birth: str, sequence: int) -> str:
    """A well-formed 居民身份证号 (GB 11643): region, birth date YYYYMMDD, 3-digit sequence and the
    check character. For demo and test data only."""
    body = f"{region_code}{birth}{sequence % 1000:03d}"
    # calc_check_digit takes the whole 18-character number and ignores its last character.
    return body + ric.calc_check_digit(body + "0")


def make_photo_jpeg() -> bytes:
    """A plain 一寸 photo (295×413 px, white background, JPEG) for demo, test and benchmark data."""
    image = Image.new("RGB", (295, 413), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((85, 60, 210, 215), fill=(222, 184, 150))
    draw.rectangle((45, 235, 250, 413), fill=(35, 55, 105))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
