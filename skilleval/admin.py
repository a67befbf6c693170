from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from skilleval.models import (
    AuditEntry,
    AuditSignal,
    Job,
    Occupation,
    OccupationLevel,
    Region,
    RuleParameterVersion,
    User,
)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "role", "city", "county", "institution", "is_active"]
    list_filter = ["role", "is_active", "is_superuser"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            _("角色与管辖范围"),
            {"fields": ["role", "city", "county", "institution", "organisation"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # An initial password set by an administrator is changed at the first sign-in
            # (after saving: recording the new password clears the flag).
            User.objects.filter(pk=obj.pk).update(must_change_password=True)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "directly_managed", "complaint_hotline"]
    list_filter = ["kind", "directly_managed"]
    search_fields = ["code", "name"]


class OccupationLevelInline(admin.TabularInline):
    model = OccupationLevel
    extra = 0


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "work_type", "major_group", "is_active"]
    list_filter = ["major_group", "is_active"]
    search_fields = ["code", "name"]
    inlines = [OccupationLevelInline]


@admin.register(RuleParameterVersion)
class RuleParameterVersionAdmin(admin.ModelAdmin):
    list_display = ["rule_id", "effective_from", "parameters", "created_by", "created_at"]
    list_filter = ["rule_id"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "done",
        "total",
        "started_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = ["done", "total", "result", "error", "started_at", "finished_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through their workflow (a draw, a complaint's steps): shown here,
    never edited, so that nothing bypasses the rules, breaks a draw's reproducibility or rewrites the
    change log."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the app offers no way to change or delete entries."""

    list_display = [
        "seq",
        "created_at",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "request_id"]


@admin.register(AuditSignal)
class AuditSignalAdmin(ReadOnlyAdmin):
    list_display = ["kind", "institution", "batch", "detail", "created_at"]
    list_filter = ["kind"]
