from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.choices import CatalogAction
from institutions.models import Filing, FilingItem, FilingMaterial, Institution
from skilleval.choices import Level
from skilleval.models import Occupation, OccupationLevel, Region

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


class FilingItemSerializer(serializers.ModelSerializer):
    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)

    class Meta:
        model = FilingItem
        fields = ["occupation_code", "occupation_name", "level", "source"]


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent in a multipart request; written, never read back through the API."""


class FilingMaterialSerializer(serializers.ModelSerializer):
    """Read and upload (multipart `kind` + `file`) alike: one component, so one name for the
    checklist's enum. Uploaded files are only ever served through a scoped view; their type and
    size are checked by the model."""

    file = UploadField(write_only=True)

    class Meta:
        model = FilingMaterial
        fields = ["kind", "file", "original_name", "uploaded_at"]
        read_only_fields = ["original_name", "uploaded_at"]


class FilingSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    items = FilingItemSerializer(many=True, read_only=True)
    materials = FilingMaterialSerializer(many=True, read_only=True)
    missing_materials = serializers.SerializerMethodField()

    class Meta:
        model = Filing
        fields = [
            "id",
            "institution",
            "institution_name",
            "authority",
            "status",
            "region_scope",
            "valid_from",
            "valid_until",
            "items",
            "materials",
            "missing_materials",
            "submitted_at",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields

    def get_missing_materials(self, filing) -> list[str]:
        return filing.missing_materials()


class ShowsWholeFilingMixin:
    """Write serializers take only what the request may change and answer with the whole filing."""

    def to_representation(self, instance):
        return FilingSerializer(instance, context=self.context).data


class VisibleInstitutionField(serializers.PrimaryKeyRelatedField):
    """An institution outside the user's scope is answered like one that does not exist."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)


class FilingCreateSerializer(ShowsWholeFilingMixin, serializers.Serializer):
    """A new draft filed where the institution is located, or with the province (41号 三(四))."""

    institution = VisibleInstitutionField(queryset=Institution.objects.all())
    province_level = serializers.BooleanField(default=False)
    region_scope = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), many=True, required=False, help_text="GB/T 2260 codes"
    )

    def create(self, validated_data):
        filing = Filing.objects.open_draft(
            validated_data["institution"],
            user=self.context["request"].user,
            province_level=validated_data["province_level"],
        )
        filing.region_scope.set(validated_data.get("region_scope", []))
        return filing


class FilingRegionScopeSerializer(ShowsWholeFilingMixin, serializers.ModelSerializer):
    """The region scope (地域范围) of a draft filing, as GB/T 2260 codes."""

    class Meta:
        model = Filing
        fields = ["region_scope"]

    def update(self, instance, validated_data):
        if "region_scope" in validated_data:
            instance.set_region_scope(validated_data["region_scope"])
        return instance


class OccupationLevelRequestSerializer(serializers.Serializer):
    occupation_code = serializers.SlugRelatedField(
        slug_field="code", queryset=Occupation.objects.all()
    )
    level = serializers.ChoiceField(choices=Level.choices)


class ApproveSerializer(serializers.Serializer):
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    note = serializers.CharField(max_length=500, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class AdditionCheckSerializer(OccupationLevelRequestSerializer):
    """239号 三: the four things city staff verified before adding an occupation-level."""

    standard_ok = serializers.BooleanField(default=False)
    question_bank_ok = serializers.BooleanField(default=False)
    venue_ok = serializers.BooleanField(default=False)
    examiners_ok = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=500, allow_blank=True, default="")


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
