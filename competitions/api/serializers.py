from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from competitions.choices import FilingLevel, FilingReason, HonourKind
from competitions.contestant_import import (
    already_registered,
    check_id_number,
    identity_fields,
)
from competitions.models import (
    CertificateDelegation,
    Competition,
    CompetitionFee,
    CompetitionFiling,
    Contestant,
    Event,
    Honour,
    Recognition,
)
from institutions.choices import IdType
from institutions.models import Institution
from skilleval import rules
from skilleval.api.base import DecisionField
from skilleval.choices import Level, RegionKind
from skilleval.models import Occupation
from skilleval.rules.competitions import FeesAllowed

# One choice set for both filing decisions, so the schema has one enum for them.
REQUIRED_FILING_CHOICES = [
    ("none", _("无需备案")),
    ("city", _("设区市人社局")),
    ("province", _("省人社厅")),
    ("co_signed", _("相关省份共同会签")),
]


class CompetitionFeeSerializer(serializers.ModelSerializer):
    """A fee item (54号 二): any name, amount 0; the whole list is checked by the rule."""

    class Meta:
        model = CompetitionFee
        fields = ["name", "amount"]


class EventSerializer(serializers.ModelSerializer):
    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)

    class Meta:
        model = Event
        fields = ["id", "occupation_code", "occupation_name"]


class EventCreateSerializer(serializers.Serializer):
    occupation_code = serializers.CharField(max_length=20)


class RequiredFilingSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FilingReason.choices)
    level = serializers.ChoiceField(choices=FilingLevel.choices)


class OutOfAreaSerializer(serializers.Serializer):
    """54号 二, counted over the eligible contestants."""

    contestants = serializers.IntegerField()
    out_of_area = serializers.IntegerField()
    ratio = serializers.FloatField()
    required_filing = serializers.ChoiceField(choices=REQUIRED_FILING_CHOICES)
    explanation = serializers.CharField()


class CrossRegionSerializer(serializers.Serializer):
    span = serializers.CharField()
    required_filing = serializers.ChoiceField(choices=REQUIRED_FILING_CHOICES)
    explanation = serializers.CharField()


class CertificateDelegationSerializer(serializers.ModelSerializer):
    """54号 四: the city's (or province's) recorded decision that a city class-2 competition's
    certificates are issued by the organiser's certifying institution."""

    institution_name = serializers.CharField(source="institution.name", read_only=True)
    decided_by = serializers.CharField(source="decided_by.get_full_name", read_only=True)

    class Meta:
        model = CertificateDelegation
        fields = ["institution", "institution_name", "note", "decided_by", "decided_at"]
        read_only_fields = fields  # recorded through competitions/{id}/delegation/ only


class DelegateRequestSerializer(serializers.Serializer):
    institution = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all())
    note = serializers.CharField(max_length=300)


class CompetitionSerializer(serializers.ModelSerializer):
    """A competition with the filings it needs now, computed from its rows (54号 二). The fees are
    shown and must be zero; anything else is refused citing 54号 二."""

    host_region_name = serializers.CharField(source="host_region.name", read_only=True)
    events = EventSerializer(many=True, read_only=True)
    fees = CompetitionFeeSerializer(many=True, required=False)
    span = serializers.CharField(read_only=True)
    out_of_area = serializers.SerializerMethodField()
    cross_region = serializers.SerializerMethodField()
    required_filings = serializers.SerializerMethodField()
    missing_filings = serializers.SerializerMethodField()
    incentives_eligible = serializers.BooleanField(read_only=True)
    delegation = serializers.SerializerMethodField()

    class Meta:
        model = Competition
        fields = [
            "id",
            "name",
            "organiser_name",
            "kind",
            "competition_class",
            "host_region",
            "host_region_name",
            "regions_involved",
            "other_provinces",
            "starts_on",
            "ends_on",
            "conditions",
            "contact_phone",
            "fees",
            "delegation",
            "events",
            "span",
            "out_of_area",
            "cross_region",
            "required_filings",
            "missing_filings",
            "incentives_eligible",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    @extend_schema_field(CertificateDelegationSerializer(allow_null=True))
    def get_delegation(self, competition) -> dict | None:
        delegation = competition.delegation
        return CertificateDelegationSerializer(delegation).data if delegation else None

    @extend_schema_field(OutOfAreaSerializer)
    def get_out_of_area(self, competition) -> dict:
        decision = competition.out_of_area_decision()
        contestants = competition.contestants.filter(eligible=True)
        return {
            "contestants": contestants.count(),
            "out_of_area": contestants.filter(out_of_area=True).count(),
            "ratio": decision.result["ratio"],
            "required_filing": decision.result["required_filing"],
            "explanation": decision.text,
        }

    @extend_schema_field(CrossRegionSerializer)
    def get_cross_region(self, competition) -> dict:
        decision = competition.cross_region_decision()
        return {
            "span": competition.span,
            "required_filing": decision.result["required_filing"],
            "explanation": decision.text,
        }

    @extend_schema_field(RequiredFilingSerializer(many=True))
    def get_required_filings(self, competition) -> list:
        return [{"reason": r, "level": lv} for r, lv in competition.required_filings()]

    @extend_schema_field(RequiredFilingSerializer(many=True))
    def get_missing_filings(self, competition) -> list:
        return [{"reason": r, "level": lv} for r, lv in competition.missing_filings()]

    def validate(self, attrs):
        def value(name):
            return attrs.get(name, getattr(self.instance, name, None))

        starts, ends = value("starts_on"), value("ends_on")
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_on": gettext("结束日期不能早于开始日期")})
        if self.instance is not None:
            changed = {
                name
                for name, new in attrs.items()
                if name in Competition.BASIS_FIELDS
                and (
                    set(new) != set(self.instance.regions_involved.all())
                    if name == "regions_involved"
                    else new != getattr(self.instance, name)
                )
            }
            try:
                self.instance.refuse_basis_change(changed)
            except DjangoValidationError as refusal:  # 54号 二、四
                raise serializers.ValidationError({"detail": refusal.messages}) from refusal
        if "fees" in attrs:
            fees = [dict(fee) for fee in attrs["fees"]]
            try:
                rules.require(FeesAllowed.id, {"fees": fees})
            except DjangoValidationError as refusal:  # rule competition.fees_allowed, 54号 二
                raise serializers.ValidationError({"fees": refusal.messages}) from refusal
            names = [fee["name"].strip() for fee in fees]
            if len(set(names)) != len(names):
                raise serializers.ValidationError({"fees": [gettext("同一竞赛的费用名称不能重复")]})
        return attrs

    def create(self, validated_data):
        validated_data["created_by"] = self.context["request"].user
        fees = validated_data.pop("fees", [])
        with transaction.atomic():
            competition = super().create(validated_data)
            competition.set_fees(fees)
        return competition

    def update(self, instance, validated_data):
        fees = validated_data.pop("fees", None)
        with transaction.atomic():
            competition = super().update(instance, validated_data)
            if fees is not None:
                competition.set_fees(fees)
        return competition


class ContestantSerializer(serializers.ModelSerializer):
    """A contestant; the plain ID number is written once and never read back. Eligibility and
    out-of-area status are decided by the model (54号 一、二)."""

    id_number = serializers.CharField(write_only=True, max_length=30)

    class Meta:
        model = Contestant
        fields = [
            "id",
            "competition",
            "event",
            "name",
            "id_type",
            "id_number",
            "id_number_masked",
            "group",
            "pension_region",
            "pension_months",
            "hukou_region",
            "school_name",
            "school_region",
            "current_level",
            "work_years",
            "eligible",
            "basis",
            "basis_region",
            "out_of_area",
            "rank",
            "created_at",
        ]
        read_only_fields = [
            "id_number_masked",
            "eligible",
            "basis",
            "basis_region",
            "out_of_area",
            "rank",
            "created_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and "competition" in fields:
            # Only competitions in the user's scope can be named (others read as "not found").
            fields["competition"].queryset = Competition.objects.visible_to(request.user)
        return fields

    def validate(self, attrs):
        competition, event = attrs["competition"], attrs["event"]
        if event.competition_id != competition.pk:
            raise serializers.ValidationError({"event": gettext("该赛项不属于此竞赛")})
        if not competition.is_organised_by(self.context["request"].user):
            raise serializers.ValidationError({"competition": gettext("只有主办单位可以登记选手")})
        for name in ("pension_region", "hukou_region", "school_region"):
            region = attrs.get(name)
            if region is not None and region.kind == RegionKind.PROVINCE:
                raise serializers.ValidationError({name: gettext("请填写设区市或区县")})
        number, problem = check_id_number(attrs.get("id_type", "resident_id"), attrs["id_number"])
        if problem:
            raise serializers.ValidationError({"id_number": " / ".join(problem)})
        if already_registered(event, number):
            raise serializers.ValidationError({"id_number": gettext("该选手已报名本赛项")})
        attrs["id_number"] = number
        return attrs

    def create(self, validated_data):
        number = validated_data.pop("id_number")
        contestant = Contestant(**validated_data, **identity_fields(number))
        contestant.save()
        return contestant


class CompetitionFilingSerializer(serializers.ModelSerializer):
    competition_name = serializers.CharField(source="competition.name", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    form_pdf = serializers.SerializerMethodField()

    class Meta:
        model = CompetitionFiling
        fields = [
            "id",
            "competition",
            "competition_name",
            "reason",
            "level",
            "authority",
            "authority_name",
            "status",
            "county_opinion",
            "city_opinion",
            "province_opinion",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "form_pdf",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_form_pdf(self, filing) -> str:
        """The printable 附件1 form."""
        path = reverse("competition-filing-pdf", args=[filing.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class FileRequestSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=FilingReason.choices)


class OpinionSerializer(serializers.Serializer):
    opinion = serializers.CharField(max_length=500)


class DecideSerializer(serializers.Serializer):
    approve = DecisionField()
    opinion = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RecognitionSerializer(serializers.ModelSerializer):
    competition = serializers.IntegerField(source="contestant.competition_id", read_only=True)
    contestant_name = serializers.CharField(source="contestant.name", read_only=True)
    occupation_code = serializers.CharField(
        source="contestant.event.occupation.code", read_only=True
    )
    rank = serializers.IntegerField(source="contestant.rank", read_only=True)

    class Meta:
        model = Recognition
        fields = [
            "id",
            "competition",
            "contestant",
            "contestant_name",
            "occupation_code",
            "rank",
            "level",
            "decided_by",
            "status",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class RecognitionDecisionSerializer(serializers.Serializer):
    grant = DecisionField()
    level = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


class CertificateIssueSerializer(serializers.Serializer):
    issuer = serializers.CharField()
    issued = serializers.ListField(child=serializers.CharField())
    skipped = serializers.IntegerField()


class HonourSerializer(serializers.ModelSerializer):
    """An honour recorded for direct recognition (实施意见 十六); the plain ID number is written
    once and never read back. Level, recognising body and status are the model's."""

    certificate_number = serializers.CharField(
        source="certificate.number", read_only=True, default=None
    )

    class Meta:
        model = Honour
        fields = [
            "id",
            "name",
            "id_type",
            "id_number_masked",
            "kind",
            "title",
            "awarding_body",
            "document_number",
            "awarded_on",
            "occupation",
            "level",
            "region",
            "status",
            "reason",
            "recorded_at",
            "decided_at",
            "certificate_number",
        ]
        read_only_fields = fields


class HonourRecordSerializer(serializers.Serializer):
    """What the department records; `level` only for other honours (技师 or below)."""

    name = serializers.CharField(max_length=50)
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = serializers.CharField(max_length=30, write_only=True)
    kind = serializers.ChoiceField(choices=HonourKind.choices)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    awarding_body = serializers.CharField(max_length=100)
    document_number = serializers.CharField(max_length=60)
    awarded_on = serializers.DateField()
    occupation = serializers.PrimaryKeyRelatedField(queryset=Occupation.objects.all())
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_null=True)


class HonourRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
