from django.contrib import admin

from institutions.models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "uscc", "city", "county", "responsible_person", "contact_phone"]
    list_filter = ["kind", "city"]
    search_fields = ["name", "uscc"]
