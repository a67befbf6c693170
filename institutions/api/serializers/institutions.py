"""Serializers of institutions, their catalog status and the technical resources catalog."""

from rest_framework import serializers

from institutions.choices import CatalogAction
from institutions.models import Institution
from skilleval.models import OccupationLevel

CONTACT_FIELDS = ["responsible_person", "contact_person", "contact_phone", "address"]


class InstitutionSerializer(serializers.ModelSerializer):
    """Everything is read-only except the contacts, which the institution keeps up to date."""

    city_name = serializers.CharField(source="city.name", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True, default="")
    is_branch = serializers.BooleanField(read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "kind",
            "uscc",
            "parent",
            "is_branch",
            "city",
            "city_name",
            "county",
            "county_name",
            *CONTACT_FIELDS,
            "catalog_status",
            "catalog_reason",
            "announced_on",
        ]
        read_only_fields = [f for f in fields if f not in CONTACT_FIELDS]


class CatalogChangeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=CatalogAction.choices)
    # Blank is let through so that the model refuses it with its own message.
    reason = serializers.CharField(max_length=300, allow_blank=True)


class VisibleInstitutionField(serializers.PrimaryKeyRelatedField):
    """An institution outside the user's scope is answered like one that does not exist."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)


class TechnicalResourceSerializer(serializers.ModelSerializer):
    """One row of the technical-resource catalog (54号 三): what exists for an occupation-level."""

    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)
    major_group = serializers.IntegerField(source="occupation.major_group", read_only=True)
    level_name = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = OccupationLevel
        fields = [
            "id",
            "occupation_code",
            "occupation_name",
            "major_group",
            "level",
            "level_name",
            "has_national_standard",
            "has_question_bank",
            "has_provincial_spec",
            "provincial_spec_name",
            "resources_updated_at",
        ]
        read_only_fields = ["level", "resources_updated_at"]
