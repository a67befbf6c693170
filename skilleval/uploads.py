"""Checks for uploaded files: size, extension and the first bytes (a renamed file is refused)."""

from django.core.exceptions import ValidationError

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
            "只接受 PDF、Word、Excel 或 OFD 文件 / Only PDF, Word, Excel or OFD files are accepted",
            code="file_type",
        )
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            "文件不得超过 20 MB / The file may not exceed 20 MB", code="file_size"
        )
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(DOCUMENT_SIGNATURES[extension]):
        raise ValidationError(
            f"文件内容与扩展名 .{extension} 不符 / The file's content does not match .{extension}",
            code="file_content",
        )
