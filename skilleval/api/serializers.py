from django.urls import reverse
from rest_framework import serializers

from skilleval.models import Job, Occupation, Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "kind", "parent", "directly_managed", "complaint_hotline"]
        read_only_fields = fields  # reference data


class OccupationSerializer(serializers.ModelSerializer):
    levels = serializers.SerializerMethodField()

    class Meta:
        model = Occupation
        fields = ["code", "name", "major_group", "work_type", "levels", "is_active"]
        read_only_fields = fields  # reference data, imported

    def get_levels(self, occupation) -> list[int]:
        return occupation.level_numbers


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    result_file_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "done",
            "total",
            "percent",
            "message",
            "result",
            "result_file_url",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields  # a job's progress and result are the worker's

    def get_result_file_url(self, job) -> str | None:
        if not job.result_file:
            return None
        return self.context["request"].build_absolute_uri(reverse("job-result", args=[job.pk]))


class RuleSerializer(serializers.Serializer):
    """A rule as listed on /rules/ and at GET /api/v1/rules/."""

    id = serializers.CharField()
    clause = serializers.CharField()
    title = serializers.DictField(child=serializers.CharField())
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    facts = serializers.ListField(child=serializers.CharField())
    parameters = serializers.DictField()
    parameters_effective_from = serializers.DateField(allow_null=True)


class EvaluateRequestSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="YYYY-MM-DD; default today (Asia/Shanghai)"
    )
    facts = serializers.DictField()


class DecisionSerializer(serializers.Serializer):
    rule = serializers.CharField()
    as_of = serializers.DateField()
    clause = serializers.CharField()
    in_effect = serializers.BooleanField()
    result = serializers.DictField()
    explanation = serializers.DictField(child=serializers.CharField())


class ParameterVersionRequestSerializer(serializers.Serializer):
    effective_from = serializers.DateField()
    parameters = serializers.DictField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
