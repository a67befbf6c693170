from django.contrib import admin

from audits.models import (
    Complaint,
    CreditFlag,
    Finding,
    Inspector,
    Notice,
    SpotCheck,
    SpotCheckEntity,
)
from skilleval.admin import ReadOnlyAdmin


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "institution", "field", "active"]
    list_filter = ["active", "city"]
    search_fields = ["name", "field"]
    autocomplete_fields = ["institution"]


class SpotCheckEntityInline(admin.TabularInline):
    model = SpotCheckEntity
    fields = ["position", "institution", "batch", "weight"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "population",
        "drawn_at",
        "drawn_by",
        "population_size",
        "sample_size",
        "published_at",
    ]
    list_filter = ["population"]
    exclude = ["inputs"]  # large; reproduced from the spot-check page
    inlines = [SpotCheckEntityInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["entity", "outcome", "action_taken", "recorded_by", "recorded_at"]
    list_filter = ["outcome"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["reference", "target_type", "target_description", "city", "status"]
    list_filter = ["status", "target_type", "city"]
    search_fields = ["reference", "target_description"]


@admin.register(CreditFlag)
class CreditFlagAdmin(admin.ModelAdmin):
    """Raised from the audit pages; lifted here by setting the date it was lifted."""

    list_display = ["institution", "reason", "raised_by", "raised_at", "lifted_at"]
    readonly_fields = ["institution", "reason", "raised_by", "raised_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["title", "institution", "issued_by", "published_at"]
    search_fields = ["title", "body"]
    readonly_fields = ["issued_by", "published_at"]

    def has_add_permission(self, request):
        return False  # issued from the audit pages, which record who issued it

    def has_delete_permission(self, request, obj=None):
        return False
