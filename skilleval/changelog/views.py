"""The audit administrator's pages: read the audit log with filters, export it, verify its chain
(等保 2.0 third level: the audit administrator alone reads and keeps the log; nobody edits it)."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skilleval.changelog.archive import verify_chain
from skilleval.choices import AuditAction
from skilleval.models import AuditEntry
from skilleval.spreadsheets import safe_cell

EXPORT_LIMIT = 100_000  # a larger export is a job for the checkpoint files, not a page


def _audit_administrator(request):
    if not request.user.may_read_the_audit_log:
        raise PermissionDenied(_("只有审计管理员可以查看审计日志"))


def _filtered(request):
    entries = AuditEntry.objects.order_by("-seq")
    actor = request.GET.get("actor", "").strip()[:150]
    action = request.GET.get("action", "")
    object_type = request.GET.get("object_type", "").strip()[:100]
    since, until = parse_date(request.GET.get("since", "") or ""), None
    try:
        until = parse_date(request.GET.get("until", "") or "")
    except ValueError:
        until = None
    if actor:
        entries = entries.filter(actor_name__icontains=actor)
    if action in AuditAction.values:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type__icontains=object_type)
    if since:
        entries = entries.filter(created_at__date__gte=since)
    if until:
        entries = entries.filter(created_at__date__lte=until)
    return entries


@login_required
def audit_log(request):
    _audit_administrator(request)
    try:
        entries = _filtered(request)
    except ValueError:  # a date like 2026-02-31
        entries = AuditEntry.objects.none()
    if request.GET.get("format") == "csv":
        return _export(entries[:EXPORT_LIMIT])
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "audits/log.html",
        {"page": page, "actions": AuditAction.choices, "query": request.GET},
    )


def _export(entries):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 only with the mark
    writer = csv.writer(response)
    writer.writerow(["seq", "time", "actor", "request", "action", "type", "id", "object", "hash"])
    for e in entries.iterator():
        writer.writerow(
            [
                e.seq,
                timezone.localtime(e.created_at).isoformat(),
                safe_cell(e.actor_name),
                e.request_id,
                e.action,
                e.object_type,
                safe_cell(e.object_id),
                safe_cell(e.object_repr),
                e.hash,
            ]
        )
    AuditEntry.objects.record(AuditAction.UPDATE, object_type="audits.auditlog", after="exported")
    return response


@require_POST
@login_required
def audit_log_verify(request):
    """Walk the whole chain and the checkpoints outside the database (manage.py verify_audit_log
    does the same from a shell)."""
    _audit_administrator(request)
    checked, problem = verify_chain()
    if problem:
        messages.error(
            request,
            _("审计日志校验未通过（已核对 %(n)d 条）：%(problem)s")
            % {"n": checked, "problem": problem},
        )
    else:
        messages.success(
            request, _("审计日志完整：%(n)d 条记录的哈希链和签名检查点全部一致") % {"n": checked}
        )
    return redirect("audit-log")
