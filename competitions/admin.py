"""Competitions in the Django admin (superusers only). ID numbers appear masked, never plain;
eligibility, out-of-area status and filing decisions are the models' and stay read-only here."""

from django.contrib import admin

from competitions.models import (
    Competition,
    CompetitionFiling,
    Contestant,
    Event,
    Honour,
    Recognition,
)


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    raw_id_fields = ["occupation"]


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organiser_name",
        "kind",
        "competition_class",
        "host_region",
        "starts_on",
        "ends_on",
    ]
    list_filter = ["kind", "competition_class"]
    search_fields = ["name", "organiser_name"]
    raw_id_fields = ["created_by"]
    filter_horizontal = ["regions_involved"]
    inlines = [EventInline]


@admin.register(Contestant)
class ContestantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "id_number_masked",
        "competition",
        "event",
        "group",
        "eligible",
        "basis",
        "out_of_area",
        "rank",
    ]
    list_filter = ["eligible", "out_of_area", "group"]
    search_fields = ["name", "competition__name"]
    exclude = ["id_number_encrypted", "id_number_hash"]
    readonly_fields = ["id_number_masked", "eligible", "basis", "basis_region", "out_of_area"]
    raw_id_fields = ["competition", "event"]


@admin.register(CompetitionFiling)
class CompetitionFilingAdmin(admin.ModelAdmin):
    list_display = ["id", "competition", "reason", "level", "authority", "status", "submitted_at"]
    list_filter = ["status", "reason", "level"]
    search_fields = ["competition__name"]
    readonly_fields = ["status", "submitted_by", "submitted_at", "decided_by", "decided_at"]
    raw_id_fields = ["competition"]


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ["contestant", "level", "decided_by", "status", "created_at"]
    list_filter = ["status", "decided_by", "level"]
    readonly_fields = ["status"]
    raw_id_fields = ["contestant"]


@admin.register(Honour)
class HonourAdmin(admin.ModelAdmin):
    """Read in the admin; recorded, recognised and refused only through the pages and the API."""

    list_display = ["name", "id_number_masked", "kind", "level", "region", "status", "recorded_at"]
    list_filter = ["status", "kind", "level"]
    search_fields = ["name", "document_number"]
    exclude = ["id_number_encrypted", "id_number_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
