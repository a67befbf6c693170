"""Checks for uploaded files: size, extension and the first bytes (a renamed file is refused)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0"  # legacy Office (.doc, .xls)
DOCUMENT_SIGNATURES = {
    "pdf": (b"%PDF",),
    "docx": (ZIP,),
    "xlsx": (ZIP,),
    "doc": (OLE,),
    "xls": (OLE,),
    "ofd": (ZIP,),  # China's fixed-layout document format
}


def validate_document(upload) -> None:
    """A filing material: PDF, Office or OFD, at most 20 MB, with contents matching its name."""
    name = upload.name.lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in DOCUMENT_SIGNATURES:
        raise ValidationError(
            gettext("只接受 PDF、Word、Excel 或 OFD 文件"),
            code="file_type",
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(gettext("文件不得超过 20 MB"), code="file_size")
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(DOCUMENT_SIGNATURES[extension]):
        raise ValidationError(
            gettext("文件内容与扩展名 .%(extension)s 不符") % {"extension": extension},
            code="file_content",
        )
