"""Files the tests upload: a minimal PDF, and the materials that complete a filing."""

from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="doc.pdf", content=PDF) -> SimpleUploadedFile:
    """An upload that says it is a PDF; `content` may say otherwise."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def attach_required_materials(filing, user):
    """Every material the filing still requires, one PDF each, so that it may be submitted."""
    for kind in filing.required_materials():
        filing.attach_material(kind, pdf(f"{kind}.pdf"), user=user)
