"""Serializers of filings (备案): the filing with its items and materials, and the requests that
submit, decide and change it."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.api.serializers.institutions import VisibleInstitutionField
from institutions.models import Batch, Filing, FilingItem, FilingMaterial, Institution
from skilleval.choices import Level
from skilleval.models import Occupation, Region


class FilingItemSerializer(serializers.ModelSerializer):
    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)

    class Meta:
        model = FilingItem
        fields = ["occupation_code", "occupation_name", "level", "source", "enterprise_spec"]
        read_only_fields = fields  # items are added through the filing's actions only


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
            "replaces",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields

    def get_missing_materials(self, filing) -> list[str]:
        return filing.missing_materials()


class ShowsWholeFilingMixin:
    """Write serializers take only what the request may change and answer with the whole filing."""

    def to_representation(self, instance):
        return FilingSerializer(instance, context=self.context).data


class VisibleFilingField(serializers.PrimaryKeyRelatedField):
    """A filing outside the user's scope is answered like one that does not exist."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)


class FilingCreateSerializer(ShowsWholeFilingMixin, serializers.Serializer):
    """A new draft filed where the institution is located, or with the province (41号 三(四))."""

    institution = VisibleInstitutionField(queryset=Institution.objects.all())
    province_level = serializers.BooleanField(default=False)
    region_scope = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), many=True, required=False, help_text="GB/T 2260 codes"
    )
    replaces = VisibleFilingField(
        queryset=Filing.objects.all(),
        required=False,
        allow_null=True,
        help_text="An approved filing this one replaces; by default a filing adds to the scope",
    )

    def create(self, validated_data):
        user = self.context["request"].user
        filing = Filing.objects.open_draft(
            validated_data["institution"],
            user=user,
            province_level=validated_data["province_level"],
        )
        filing.set_region_scope(validated_data.get("region_scope", []), user=user)
        if validated_data.get("replaces"):
            filing.set_replaces(validated_data["replaces"], user=user)
        return filing


class FilingRegionScopeSerializer(ShowsWholeFilingMixin, serializers.ModelSerializer):
    """The region scope (地域范围) of a draft filing, as GB/T 2260 codes."""

    replaces = VisibleFilingField(queryset=Filing.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Filing
        fields = ["region_scope", "replaces"]

    def update(self, instance, validated_data):
        if "region_scope" in validated_data:
            instance.set_region_scope(
                validated_data["region_scope"], user=self.context["request"].user
            )
        if "replaces" in validated_data:
            instance.set_replaces(validated_data["replaces"], user=self.context["request"].user)
        return instance


class OccupationLevelRequestSerializer(serializers.Serializer):
    occupation_code = serializers.SlugRelatedField(
        slug_field="code", queryset=Occupation.objects.all()
    )
    level = serializers.ChoiceField(choices=Level.choices)
    enterprise_spec = serializers.CharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="An employer without the national standard: its enterprise specification filed "
        "with the appraisal centre (54号 三)",
    )


class ApproveSerializer(serializers.Serializer):
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    note = serializers.CharField(max_length=500, allow_blank=True, default="")
    confirm_scope_reduction = serializers.BooleanField(
        default=False,
        help_text="Needed when approving a replacing filing leaves open batches outside the scope",
    )


class EndEarlySerializer(serializers.Serializer):
    last_day = serializers.DateField()
    # Blank is let through so that the model refuses it with its own message.
    reason = serializers.CharField(max_length=500, allow_blank=True)
    confirm_scope_reduction = serializers.BooleanField(
        default=False, help_text="Needed when open batches would fall outside the scope"
    )


class OutsideBatchSerializer(serializers.ModelSerializer):
    """An open batch a decision would leave outside the filed scope."""

    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id",
            "occupation_code",
            "occupation_name",
            "level",
            "level_label",
            "region",
            "region_name",
            "exam_starts_on",
            "status",
            "status_label",
        ]
        read_only_fields = fields
        read_only_fields = fields


class ScopeReductionSerializer(serializers.Serializer):
    """400: the decision needs `confirm_scope_reduction: true`; these batches would fall outside."""

    detail = serializers.ListField(child=serializers.CharField())
    code = serializers.CharField()
    batches = OutsideBatchSerializer(many=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class AdditionCheckSerializer(OccupationLevelRequestSerializer):
    """239号 三: the four things city staff verified before adding an occupation-level."""

    standard_ok = serializers.BooleanField(default=False)
    question_bank_ok = serializers.BooleanField(default=False)
    venue_ok = serializers.BooleanField(default=False)
    examiners_ok = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=500, allow_blank=True, default="")
