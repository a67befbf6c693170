"""Printable admission tickets (准考证) of a batch, as one PDF: four tickets per A4 page.

Each ticket carries what the candidate and the invigilator need at the door: the title by
evaluation type, name, masked ID number (SPEC "Public lookup and privacy": never the full number),
occupation, level (e.g. 四级/中级工), ticket number, room and seat, exam dates, venue, the
institution, a QR code of the ticket number, and the photo when one was uploaded.

No network: the fonts are the installed Noto CJK faces (found by fontconfig), the photo a file://
URL, the QR code a data URI; any other URL is refused.
"""

import segno
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext

from institutions.choices import EligibilityStatus, EvaluationType, IdType
from skilleval import storage
from skilleval.choices import in_chinese

TITLES = {
    EvaluationType.SKILL_LEVEL: "职业技能等级认定准考证",
    EvaluationType.VOCATIONAL_QUALIFICATION: "职业资格评价准考证",
    EvaluationType.SPECIAL_ABILITY: "专项职业能力考核准考证",
}
TICKETS_PER_PAGE = 4


def _photo_uri(candidate) -> str:
    # A missing photo leaves the frame to paste one in (贴照片处), not a refused ticket.
    return storage.embeddable_uri(candidate.photo.name, required=False) if candidate.photo else ""


def ticket_rows(batch) -> list[dict]:
    """What each ticket shows, for every admitted candidate holding a ticket number, in room and
    seat order."""
    candidates = (
        batch.candidates.filter(eligibility=EligibilityStatus.PASSED, ticket_number__isnull=False)
        .select_related("room")
        .order_by("room__name", "seat", "pk")
    )
    return [
        {
            "name": c.name,
            "id_type": in_chinese(IdType(c.id_type).label),
            "id_number": c.id_number_masked,
            "ticket_number": c.ticket_number,
            "room": c.room.name if c.room else "—",
            "seat": c.seat or "—",
            "photo_uri": _photo_uri(c),
            "qr": segno.make(c.ticket_number, error="m", micro=False).png_data_uri(
                scale=4, border=2
            ),
        }
        for c in candidates
    ]


def admission_tickets_pdf(batch) -> bytes:
    """The batch's admission tickets as a PDF; refused before the ticket numbers exist."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    if not batch.tickets_generated_on:
        raise ValidationError(gettext("尚未生成准考证号"))
    rows = ticket_rows(batch)
    if not rows:
        raise ValidationError(gettext("没有持准考证号的考生"))
    pages = [rows[i : i + TICKETS_PER_PAGE] for i in range(0, len(rows), TICKETS_PER_PAGE)]
    html = render_to_string(
        "institutions/admission_tickets.html",
        {
            "batch": batch,
            "title": TITLES.get(batch.evaluation_type, "准考证"),
            "level": batch.get_level_display(),
            "institution": batch.institution.name,
            "pages": pages,
        },
    )
    # Local files and data URIs only: rendering never touches the network.
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
