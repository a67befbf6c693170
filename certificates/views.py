"""Certificate pages: the public lookup and verification (workers on their phones), and the
staff's certificate list, export, detail, revocation and correction."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates import lookup as public_lookup
from certificates import verification
from certificates.choices import CertificateStatus, PrintKind
from certificates.filtersets import CertificateFilterSet
from certificates.forms import (
    CorrectionForm,
    LookupForm,
    PdfCheckForm,
    ProofForm,
    RevokeBatchForm,
    RevokeForm,
    RevokePersonForm,
)
from certificates.issuance import issue_proof
from certificates.models import Certificate, CertificatePrint, Proof
from institutions.models import Batch
from skilleval.actions import form_action
from skilleval.choices import JobStatus
from skilleval.spreadsheets import xlsx_response
from skilleval.views import ScopedListView

# --- public ----------------------------------------------------------------------------------


def _private(response):
    """Pages with personal data: browsers and proxies keep no copy, search engines skip them."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _lookup_page(request, form, *, status=200, **context):
    client = public_lookup.client_address(request)
    if public_lookup.captcha_required(client):
        # Each challenge is good for one attempt: every page shows a new one.
        context["captcha"] = public_lookup.new_challenge()
    return _private(
        render(request, "certificates/lookup.html", {"form": form, **context}, status=status)
    )


def lookup_page(request):
    """证书查询: name plus ID number or certificate number. The form is posted, so the ID number
    never appears in a URL or an access log; the answer is rendered on the same page."""
    if request.method != "POST":
        return _lookup_page(request, LookupForm())
    form = LookupForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    # Counted whether or not the form is valid: a refused request counts against the client.
    gate = public_lookup.pass_gate(
        request,
        public_lookup.identity_of(data["id_number"], data["certificate_number"]) if valid else None,
    )
    if gate.wait is not None:
        response = _lookup_page(
            request, form, status=429, throttled_minutes=public_lookup.retry_minutes(gate.wait)
        )
        response["Retry-After"] = str(int(gate.wait))
        return response
    if not valid:
        return _lookup_page(request, form, status=400)
    client = public_lookup.client_address(request)
    if gate.captcha_required and not public_lookup.check_captcha(
        data["captcha_token"], data["captcha_answer"]
    ):
        form.add_error(
            None,
            _("安全验证未通过或已失效，请再次点击“查询”（需要启用 JavaScript）")
            if data["captcha_answer"]
            else _(
                "多次查询无结果，本次查询需要先完成安全验证：请再次点击“查询”（需要启用 JavaScript）"
            ),
        )
        return _lookup_page(request, form, status=400)
    certificates = public_lookup.lookup(
        data["name"],
        id_number=data["id_number"] or None,
        certificate_number=data["certificate_number"] or None,
    )
    if not certificates:
        public_lookup.record_miss(client)
    for certificate in certificates:
        certificate.download_path = public_lookup.download_path(certificate)
        certificate.revoked_on = public_lookup.revoked_on(certificate)
    return _lookup_page(
        request,
        form,
        searched=True,
        results=certificates,
        any_download=any(c.download_path for c in certificates),
    )


def holder_download(request, signed):
    """The holder's own PDF, through the short-lived signed link of a lookup answer."""
    certificate = public_lookup.certificate_from_download(signed)
    if certificate is None:
        return _lookup_page(request, LookupForm(), status=404, link_expired=True)
    CertificatePrint.objects.create(certificate=certificate, kind=PrintKind.HOLDER)
    return _private(
        FileResponse(
            certificate.pdf.open("rb"),
            as_attachment=True,
            filename=f"{certificate.number}.pdf",
            content_type="application/pdf",
        )
    )


def verify(request, token):
    """The QR target: the record and its current status, never the full ID number. Anyone may
    also upload a certificate PDF here: its signature and content are checked against the
    register (certificates/verification.py)."""
    found = public_lookup.find_by_token(token)
    context = {"checked_at": timezone.localtime(), "pdf_form": PdfCheckForm()}
    status = 200
    if found is None:
        status = 404
    else:
        certificate, proof = found
        context |= {
            "certificate": certificate,
            "proof": proof,
            "revoked_on": public_lookup.revoked_on(certificate),
        }
    if request.method == "POST":
        form = context["pdf_form"] = PdfCheckForm(request.POST, request.FILES)
        wait = public_lookup.throttle(request, public_lookup.PdfCheckThrottle)
        if wait is not None:
            context["throttled_minutes"] = public_lookup.retry_minutes(wait)
            status = 429
        elif form.is_valid():
            check = verification.check_pdf(
                form.cleaned_data["pdf"].read(verification.MAX_UPLOAD_BYTES + 1)
            )
            context["pdf_check"] = check
            context["pdf_is_other"] = check.certificate is not None and (
                found is None or check.certificate.pk != found[0].pk
            )
    return _private(render(request, "certificates/verify.html", context, status=status))


# --- staff -----------------------------------------------------------------------------------


def _scoped(request):
    return Certificate.objects.visible_to(request.user).select_related("institution", "occupation")


class CertificateListView(ScopedListView):
    model = Certificate
    template_name = "certificates/list.html"

    def get_queryset(self):
        self.filterset = CertificateFilterSet(
            self.request.GET, queryset=_scoped(self.request), request=self.request
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["may_revoke"] = Certificate.may_revoke(user)
        batch = self.filterset.form.cleaned_data.get("batch") if self.filterset.is_valid() else None
        if batch:  # the list of one batch links back to it and to its print files
            shown = Batch.objects.visible_to(user).select_related("occupation")
            context["filtered_batch"] = shown.filter(pk=batch).first()
            if context["filtered_batch"]:
                context["issuance_job"] = (
                    context["filtered_batch"]
                    .issuance_jobs()
                    .visible_to(user)
                    .filter(status=JobStatus.SUCCEEDED)
                    .first()
                )
        if context["may_revoke"]:
            context["person_form"] = RevokePersonForm()
            if batch:
                in_batch = _scoped(self.request).filter(batch_id=batch)
                context["batch"] = batch
                context["batch_valid_count"] = in_batch.filter(
                    status=CertificateStatus.VALID
                ).count()
                context["batch_form"] = RevokeBatchForm(initial={"batch": batch})
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


@login_required
def certificate_export(request):
    """The filtered list as .xlsx: ID numbers masked, every cell formula-safe."""
    filterset = CertificateFilterSet(request.GET, queryset=_scoped(request), request=request)
    rows = (
        (
            c.number,
            c.get_kind_display(),
            c.holder_name,
            c.get_id_type_display(),
            c.id_number_masked,
            c.occupation.code,
            c.occupation.name,
            c.work_type_display,
            c.level_display,
            c.institution.name,
            c.batch_id or "",
            c.issued_on,
            c.signatory,
            c.get_status_display(),
            timezone.localdate(c.revoked_at) if c.revoked_at else "",
            c.revocation_reason,
        )
        for c in filterset.qs.iterator(chunk_size=2000)
    )
    response = xlsx_response(
        f"证书-{timezone.localdate():%Y%m%d}.xlsx",
        [
            _("证书编号"),
            _("证书类型"),
            _("姓名"),
            _("证件类型"),
            _("证件号码"),
            _("职业编码"),
            _("职业"),
            _("工种/职业方向"),
            _("等级"),
            _("发证机构"),
            _("批次"),
            _("发证日期"),
            _("签发人"),
            _("状态"),
            _("注销日期"),
            _("注销原因"),
        ],
        rows,
        widths=[26, 18, 10, 14, 22, 12, 16, 16, 14, 28, 8, 12, 10, 10, 12, 24],
        sheet_title=_("证书"),
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def certificate_detail(request, pk):
    certificate = get_object_or_404(_scoped(request).select_related("batch"), pk=pk)
    user = request.user
    context = {
        "certificate": certificate,
        "revisions": certificate.revisions.select_related("actor"),
        "prints": certificate.prints.select_related("actor"),
        "revocations": certificate.revocations.select_related("actor"),
        "proofs": certificate.proofs.all(),
        "may_revoke": Certificate.may_revoke(user, certificate),
        "may_correct": certificate.is_kept_by(user) and not certificate.is_revoked,
        "revoked_on": public_lookup.revoked_on(certificate),
        # The holder's other certificates, as far as this user's scope reaches.
        "others": _scoped(request)
        .filter(id_number_hash=certificate.id_number_hash)
        .exclude(pk=certificate.pk)
        .order_by("-issued_on", "number")[:50],
    }
    if context["may_revoke"] and not certificate.is_revoked:
        context["revoke_form"] = RevokeForm()
    if context["may_revoke"]:
        context["person_count"] = (
            _scoped(request)
            .filter(id_number_hash=certificate.id_number_hash, status=CertificateStatus.VALID)
            .count()
        )
    if context["may_correct"]:
        context["correction_form"] = CorrectionForm(certificate=certificate)
    if certificate.may_get_proof() and certificate.is_kept_by(user):
        context["proof_form"] = ProofForm()
    return render(request, "certificates/detail.html", context)


def _refusals(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


def _require_revoker(user, certificate=None):
    if not Certificate.may_revoke(user, certificate):
        raise PermissionDenied


@login_required
@require_POST
def certificate_revoke(request, pk):
    _require_revoker(request.user)
    certificate = get_object_or_404(_scoped(request), pk=pk)
    _require_revoker(request.user, certificate)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写注销原因"))
    else:
        try:
            Certificate.revoke_many(
                [certificate], user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _refusals(request, error)
        else:
            messages.success(request, _("证书已注销"))
    return redirect("certificate-detail", pk=certificate.pk)


def _revoke_all(request, certificates, reason, back):
    try:
        count = Certificate.revoke_many(certificates, user=request.user, reason=reason)
    except ValidationError as error:
        _refusals(request, error)
    else:
        messages.success(request, _("已注销 %(count)s 本证书") % {"count": count})
    return redirect(back)


@login_required
@require_POST
def certificate_revoke_person(request):
    """All of a person's certificates in the user's scope, found by the keyed hash of the ID."""
    _require_revoker(request.user)
    form = RevokePersonForm(request.POST)
    pk = request.POST.get("certificate", "")
    back = reverse("certificate-detail", args=[pk]) if pk.isdigit() else reverse("certificate-list")
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(back)
    data = form.cleaned_data
    if data["certificate"]:
        certificate = get_object_or_404(_scoped(request), pk=data["certificate"])
        person = _scoped(request).filter(id_number_hash=certificate.id_number_hash)
    else:
        person = _scoped(request).of_person(data["id_number"])
    return _revoke_all(request, person, data["reason"], back)


@login_required
@require_POST
def certificate_revoke_batch(request):
    _require_revoker(request.user)
    form = RevokeBatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写注销原因"))
        batch = request.POST.get("batch", "")
        return redirect(
            reverse("certificate-list") + (f"?batch={batch}" if batch.isdigit() else "")
        )
    batch = form.cleaned_data["batch"]
    return _revoke_all(
        request,
        _scoped(request).filter(batch_id=batch),
        form.cleaned_data["reason"],
        reverse("certificate-list") + f"?batch={batch}",
    )


@login_required
@require_POST
def certificate_correct(request, pk):
    certificate = get_object_or_404(_scoped(request), pk=pk)
    if not certificate.is_kept_by(request.user):
        raise PermissionDenied
    form = CorrectionForm(request.POST, certificate=certificate)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("certificate-detail", pk=certificate.pk)
    try:
        certificate.correct(user=request.user, reason=form.cleaned_data["reason"], **form.changes())
    except ValidationError as error:
        _refusals(request, error)
    else:
        messages.success(
            request,
            _("已更正，原值保留在更正记录中；请重新打印证书"),
        )
    return redirect("certificate-detail", pk=certificate.pk)


@login_required
def certificate_pdf(request, pk):
    """Staff download of the PDF: a reprint (Certificate.reprint)."""
    certificate = get_object_or_404(_scoped(request), pk=pk)
    if not certificate.pdf:
        raise Http404
    try:
        certificate.reprint(request.user)
    except ValidationError as refusal:
        _refusals(request, refusal)
        return redirect("certificate-detail", pk=certificate.pk)
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"{certificate.number}.pdf",
        content_type="application/pdf",
    )


# --- proofs (证明, 239号 二(三)) ------------------------------------------------------------------


@login_required
@require_POST
def certificate_proof(request, pk):
    """The issuing institution gives a proof for a lost or wrong vocational qualification
    certificate; the proof's PDF is offered at once."""
    certificate = get_object_or_404(_scoped(request), pk=pk)
    if not certificate.is_kept_by(request.user):  # who, before what the form says
        raise PermissionDenied
    return form_action(
        request,
        ProofForm(request.POST),
        lambda data: issue_proof(certificate, request.user, data["reason"], data["detail"]),
        success=_("已出具证明"),
        done=lambda proof: redirect(f"{reverse('certificate-detail', args=[pk])}#proof-{proof.pk}"),
        again=lambda form: _proof_refused(request, certificate, form),
    )


def _proof_refused(request, certificate, form):
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect(f"{reverse('certificate-detail', args=[certificate.pk])}#proofs")


@login_required
def proof_pdf(request, pk):
    """A proof's PDF, for whoever sees its certificate."""
    proof = get_object_or_404(
        Proof.objects.filter(certificate__in=_scoped(request)).select_related("certificate"),
        pk=pk,
    )
    if not proof.pdf:
        raise Http404
    return FileResponse(
        proof.pdf.open("rb"),
        as_attachment=True,
        filename=f"证明-{proof.certificate.number}-{proof.pk}.pdf",
        content_type="application/pdf",
    )
