from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audits.choices import ComplaintStatus, FindingOutcome, Population
from audits.draws import date_range_problems, draw_arguments, visible_entities
from audits.forms import anonymous_name, assignable_users, settle_city
from audits.forms import validate_attachment as check_attachment
from audits.models import (
    Complaint,
    Finding,
    Inspector,
    Notice,
    QualityReview,
    ReviewRow,
    SpotCheck,
    SpotCheckEntity,
)
from audits.reviews import totals_for
from institutions.models import Institution
from skilleval.models import Occupation, Region, User

# --- the inspector pool -------------------------------------------------------------------------


class InspectorSerializer(serializers.ModelSerializer):
    city = serializers.PrimaryKeyRelatedField(queryset=Region.objects.cities())
    city_name = serializers.CharField(source="city.name", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True, default="")

    class Meta:
        model = Inspector
        fields = [
            "id",
            "name",
            "city",
            "city_name",
            "institution",
            "institution_name",
            "field",
            "active",
        ]


# --- spot checks --------------------------------------------------------------------------------


class InspectorRefSerializer(serializers.ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)

    class Meta:
        model = Inspector
        fields = ["id", "name", "city", "city_name", "institution"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["outcome", "detail", "action_taken", "institution_response", "recorded_at"]
        read_only_fields = fields  # recorded through spot-checks/{id}/findings/ only


class SpotCheckEntitySerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    city = serializers.CharField(source="institution.city_id", read_only=True)
    inspectors = serializers.SerializerMethodField()
    finding = FindingSerializer(read_only=True, allow_null=True, default=None)

    class Meta:
        model = SpotCheckEntity
        fields = [
            "id",
            "position",
            "institution",
            "institution_name",
            "city",
            "batch",
            "weight",
            "inspectors",
            "finding",
        ]
        read_only_fields = fields

    @extend_schema_field(InspectorRefSerializer(many=True))
    def get_inspectors(self, entity):
        """Not shown to the inspected institutions."""
        if not self.context.get("show_inspectors", True):
            return []
        return InspectorRefSerializer(entity.inspectors.all(), many=True).data


class SpotCheckSerializer(serializers.ModelSerializer):
    drawn_by = serializers.CharField(source="drawn_by.username", read_only=True)
    replaced_by = serializers.SerializerMethodField()
    entities = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "population",
            "filters",
            "ratio",
            "seed",
            "population_size",
            "sample_size",
            "inspectors_per_entity",
            "replaces",
            "replaced_by",
            "redraw_reason",
            "drawn_by",
            "drawn_at",
            "published_at",
            "entities",
        ]
        # The seed, the sample and the person drawing are the draw's (draws.draw), never input.
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_replaced_by(self, spot_check) -> int | None:
        redraw = getattr(spot_check, "replaced_by", None)  # reverse one-to-one: may be absent
        return redraw.pk if redraw else None

    @extend_schema_field(SpotCheckEntitySerializer(many=True))
    def get_entities(self, spot_check):
        """The drawn entities in the caller's scope."""
        request = self.context["request"]
        return SpotCheckEntitySerializer(
            visible_entities(spot_check, request.user), many=True, context=self.context
        ).data


class SpotCheckListSerializer(SpotCheckSerializer):
    """The list leaves the entities out (one query per draw); retrieve a draw for them."""

    class Meta(SpotCheckSerializer.Meta):
        fields = [f for f in SpotCheckSerializer.Meta.fields if f != "entities"]
        read_only_fields = fields


class DrawRequestSerializer(serializers.Serializer):
    """A new draw; the seed is generated by the system, never chosen by the person drawing."""

    population = serializers.ChoiceField(choices=Population.choices)
    ratio = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal(1),
        default=Decimal("0.05"),
    )
    per_entity = serializers.IntegerField(min_value=1, max_value=10, default=2)
    city = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.cities(), required=False, allow_null=True
    )
    occupation = serializers.SlugRelatedField(
        slug_field="code", queryset=Occupation.objects.all(), required=False, allow_null=True
    )
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)

    def validate(self, data):
        problems = date_range_problems(
            data["population"], data.get("date_from"), data.get("date_to")
        )
        if problems:
            raise serializers.ValidationError(problems)
        return data

    def draw_arguments(self) -> dict:
        data = self.validated_data
        return draw_arguments(
            population=data["population"],
            ratio=data["ratio"],
            per_entity=data["per_entity"],
            city=data.get("city"),
            occupation_code=data["occupation"].code if data.get("occupation") else "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class RedrawRequestSerializer(serializers.Serializer):
    # Blank passes so that the draw refuses it with its own message.
    reason = serializers.CharField(max_length=300, allow_blank=True)


class PickSerializer(serializers.Serializer):
    institution = serializers.IntegerField()
    batch = serializers.IntegerField(allow_null=True)
    weight = serializers.FloatField()
    inspectors = serializers.ListField(child=serializers.IntegerField())


class ReproductionSerializer(serializers.Serializer):
    matches = serializers.BooleanField()
    stored = PickSerializer(many=True)
    reproduced = PickSerializer(many=True)
    differing_positions = serializers.ListField(child=serializers.IntegerField(), required=False)
    errors = serializers.ListField(child=serializers.CharField(), required=False)


class FindingRequestSerializer(serializers.Serializer):
    entity = serializers.IntegerField(help_text=_("抽中对象的 id"))
    outcome = serializers.ChoiceField(choices=FindingOutcome.choices)
    detail = serializers.CharField()
    action_taken = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- complaints ---------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent in a multipart request; written, never read back through the API."""


class ComplaintSerializer(serializers.ModelSerializer):
    """What staff see of a complaint."""

    institution_name = serializers.CharField(source="institution.name", read_only=True, default="")
    city_name = serializers.CharField(source="city.name", read_only=True, default="")
    assigned_to_name = serializers.SerializerMethodField()
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "target_type",
            "target_description",
            "institution",
            "institution_name",
            "batch",
            "competition",
            "certificate",
            "city",
            "city_name",
            "content",
            "contact",
            "has_attachment",
            "status",
            "assigned_to",
            "assigned_to_name",
            "outcome",
            "received_at",
            "concluded_at",
        ]
        read_only_fields = fields

    def get_assigned_to_name(self, complaint) -> str:
        user = complaint.assigned_to
        return (user.get_full_name() or user.username) if user else ""

    def get_has_attachment(self, complaint) -> bool:
        return bool(complaint.attachment)


class ComplaintCreateSerializer(serializers.ModelSerializer):
    """A complaint from the public. A named catalog institution puts it in that institution's
    city, so that city's staff handle it."""

    institution = serializers.PrimaryKeyRelatedField(
        queryset=Institution.objects.in_catalog(), required=False, allow_null=True
    )
    city = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.cities(), required=False, allow_null=True
    )
    attachment = UploadField(required=False, allow_null=True, write_only=True)

    class Meta:
        model = Complaint
        fields = [
            "target_type",
            "target_description",
            "institution",
            "city",
            "content",
            "contact",
            "attachment",
        ]

    def validate_attachment(self, upload):
        if upload:
            try:
                check_attachment(upload)
            except ValidationError as refusal:
                raise serializers.ValidationError(refusal.messages) from None
            anonymous_name(upload)
        return upload

    def create(self, validated_data):
        complaint = Complaint(**validated_data)
        settle_city(complaint)
        complaint.save()
        return complaint


class ComplaintReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["reference", "status", "received_at"]
        read_only_fields = fields


class ComplaintStatusRequestSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=40)


class ComplaintStatusSerializer(serializers.ModelSerializer):
    """All the public learns from a reference: the status, and the outcome once concluded."""

    outcome = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["reference", "status", "received_at", "concluded_at", "outcome"]
        read_only_fields = fields

    def get_outcome(self, complaint) -> str:
        return complaint.outcome if complaint.status == ComplaintStatus.CONCLUDED else ""


class PublishOutcomeSerializer(serializers.Serializer):
    """The summary to publish; Complaint.publish refuses an empty one, or one naming a person."""

    summary = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class PublishedOutcomeSerializer(serializers.ModelSerializer):
    """A published outcome as everyone reads it (实施意见 二十五): the summary its handler wrote,
    never the complaint's content, contact or attachment."""

    target_type_display = serializers.CharField(source="get_target_type_display", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True, default="")
    city_name = serializers.CharField(source="city.name", read_only=True, default="")
    concluded_on = serializers.SerializerMethodField()
    published_on = serializers.SerializerMethodField()
    summary = serializers.CharField(source="public_summary", read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "reference",
            "target_type",
            "target_type_display",
            "institution_name",
            "city_name",
            "concluded_on",
            "published_on",
            "summary",
        ]
        read_only_fields = fields

    def get_concluded_on(self, complaint) -> date:
        return timezone.localdate(complaint.concluded_at)

    def get_published_on(self, complaint) -> date:
        return timezone.localdate(complaint.published_at)


class AdvanceSerializer(serializers.Serializer):
    """`assignee` when assigning, `outcome` when concluding; the complaint says what is missing."""

    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    outcome = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_assignee(self, user):
        complaint = self.context["complaint"]
        if user is not None and not assignable_users(complaint).filter(pk=user.pk).exists():
            raise serializers.ValidationError(gettext("只能分派给省级或本市人社部门工作人员"))
        return user


# --- notices ------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True, default="")

    class Meta:
        model = Notice
        fields = ["id", "title", "body", "institution", "institution_name", "published_at"]
        read_only_fields = ["published_at"]


class ReviewRowSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = ReviewRow
        fields = [
            "institution",
            "institution_name",
            "certificates_issued",
            "out_of_scope",
            "outside_validity",
            "rush_issued",
            "rush_share",
            "batches",
            "pass_rate_anomalies",
            "eligibility_overrides",
            "complaints",
            "late_publicity",
            "flags",
            "flag_count",
        ]
        read_only_fields = fields


class QualityReviewSerializer(serializers.ModelSerializer):
    totals = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()

    class Meta:
        model = QualityReview
        fields = [
            "id",
            "year",
            "half",
            "version",
            "period_start",
            "period_end",
            "generated_at",
            "totals",
            "rows",
        ]
        read_only_fields = fields  # reviews are run (reviews.run_review), never written

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_totals(self, review):
        """The province's totals, or the sums over the caller's own rows."""
        return totals_for(review, self.context["request"].user)

    @extend_schema_field(ReviewRowSerializer(many=True))
    def get_rows(self, review):
        """Only the rows of institutions in the caller's scope."""
        rows = ReviewRow.objects.visible_to(self.context["request"].user).filter(review=review)
        return ReviewRowSerializer(
            rows.select_related("institution").order_by("-flag_count"), many=True
        ).data


class RunReviewSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2020, max_value=2100)
    half = serializers.ChoiceField(choices=[1, 2])
