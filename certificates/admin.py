"""Certificates in the Django admin (superusers only): read-only. Issuance, correction and
revocation go through the portal, which checks the rules and keeps the history."""

from django.contrib import admin

from certificates.models import (
    Certificate,
    CertificatePrint,
    CertificateRevision,
    NumberSeries,
    Proof,
    RevocationRecord,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RevisionInline(ReadOnlyInline):
    model = CertificateRevision
    fields = ["at", "actor", "before", "after", "reason"]


class PrintInline(ReadOnlyInline):
    model = CertificatePrint
    fields = ["at", "kind", "actor"]


class RevocationInline(ReadOnlyInline):
    model = RevocationRecord
    fields = ["at", "actor", "reason"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "holder_name",
        "id_number_masked",
        "kind",
        "level",
        "institution",
        "issued_on",
        "status",
    ]
    list_filter = ["kind", "status", "level", "issued_on"]
    search_fields = ["=number", "holder_name"]
    list_select_related = ["institution"]
    show_full_result_count = False  # millions of rows: no COUNT(*) on every page
    # The encrypted ID number and its hash stay out of sight; the masked form is enough here.
    exclude = ["id_number_encrypted", "id_number_hash"]
    raw_id_fields = ["institution", "batch", "candidate", "occupation", "revoked_by"]
    inlines = [RevisionInline, PrintInline, RevocationInline]


@admin.register(NumberSeries)
class NumberSeriesAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "width", "last"]
    search_fields = ["prefix"]


@admin.register(Proof)
class ProofAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "reason", "issued_on", "issued_by"]
    list_filter = ["reason"]
    raw_id_fields = ["certificate", "issued_by"]


@admin.register(RevocationRecord)
class RevocationRecordAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "reason", "actor", "at"]
    raw_id_fields = ["certificate", "actor"]


@admin.register(CertificatePrint)
class CertificatePrintAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "kind", "actor", "at"]
    list_filter = ["kind"]
    raw_id_fields = ["certificate", "actor"]


@admin.register(CertificateRevision)
class CertificateRevisionAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "reason", "actor", "at"]
    raw_id_fields = ["certificate", "actor"]
