from django.contrib import admin

from institutions.models import CatalogEvent, Filing, FilingItem, FilingMaterial, Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "uscc",
        "city",
        "county",
        "parent",
        "catalog_status",
        "contact_phone",
    ]
    list_filter = ["kind", "catalog_status", "city"]
    search_fields = ["name", "uscc"]


class FilingItemInline(admin.TabularInline):
    model = FilingItem
    extra = 0
    raw_id_fields = ["occupation", "addition_check"]


class FilingMaterialInline(admin.TabularInline):
    model = FilingMaterial
    extra = 0


@admin.register(Filing)
class FilingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "institution",
        "authority",
        "status",
        "valid_from",
        "valid_until",
        "submitted_at",
    ]
    list_filter = ["status", "authority"]
    search_fields = ["institution__name"]
    inlines = [FilingItemInline, FilingMaterialInline]


@admin.register(CatalogEvent)
class CatalogEventAdmin(admin.ModelAdmin):
    list_display = ["institution", "action", "reason", "actor", "created_at"]
    list_filter = ["action"]
