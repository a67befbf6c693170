from django.conf import settings
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils.translation import gettext
from rest_framework import serializers

from skilleval import two_factor
from skilleval.models import AccountGuard, ApiToken, Job, Occupation, Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "kind", "parent", "directly_managed", "complaint_hotline"]
        read_only_fields = fields  # reference data


class OccupationSerializer(serializers.ModelSerializer):
    levels = serializers.SerializerMethodField()

    class Meta:
        model = Occupation
        fields = [
            "code",
            "name",
            "major_group",
            "work_type",
            "levels",
            "is_active",
            "is_access_type",
        ]
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


class TokenRequestSerializer(serializers.Serializer):
    """Username and password (the session-less way to a token), and a name for the token."""

    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    code = serializers.CharField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text="The current code of the user's authenticator app (two-factor sign-in)",
    )
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    captcha_token = serializers.CharField(
        required=False, help_text="After repeated wrong passwords: the challenge of the 429 answer"
    )
    captcha_answer = serializers.CharField(
        required=False, help_text="Its solution (see the challenge's algorithm)"
    )

    def validate(self, attrs):
        # The lockout backend (axes) counts failures and refuses a locked account here too.
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            AccountGuard.objects.record_failure(attrs["username"])
            raise serializers.ValidationError(gettext("用户名或密码错误"), code="authorization")
        # A token is a session without a browser: it needs the second factor as much.
        if settings.TWO_FACTOR_REQUIRED and two_factor.verify_code(user, attrs["code"]) is None:
            raise serializers.ValidationError(
                {"code": gettext("需要身份验证器的当前验证码（先在网页上完成绑定）")},
                code="authorization",
            )
        AccountGuard.objects.record_success(attrs["username"])
        attrs["user"] = user
        return attrs


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it in the list: never the secret."""

    is_expired = serializers.BooleanField(read_only=True)
    current = serializers.SerializerMethodField(help_text="The token this request came with")

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "is_expired",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return request is not None and getattr(request.auth, "pk", None) == token.pk


class IssuedTokenSerializer(ApiTokenSerializer):
    """The answer to an issue: the token and, this once only, its secret."""

    token = serializers.CharField(read_only=True, help_text="The secret; shown only now")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields
