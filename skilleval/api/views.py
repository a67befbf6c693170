from django.db import IntegrityError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from skilleval import proof_of_work, rules
from skilleval.addresses import client_address
from skilleval.api.base import ScopedViewSetMixin
from skilleval.api.serializers import (
    ApiTokenSerializer,
    DecisionSerializer,
    EvaluateRequestSerializer,
    IssuedTokenSerializer,
    JobSerializer,
    OccupationSerializer,
    ParameterVersionRequestSerializer,
    RegionSerializer,
    RuleSerializer,
    TokenRequestSerializer,
)
from skilleval.filtersets import OccupationFilterSet, RegionFilterSet
from skilleval.models import (
    AccountGuard,
    ApiToken,
    Job,
    Occupation,
    Region,
    RuleParameterVersion,
    SignInRefused,
)
from skilleval.rules.listing import describe


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Jiangsu's cities and districts/counties by GB/T 2260 code (public reference data)."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    permission_classes = [permissions.AllowAny]


class OccupationViewSet(viewsets.ReadOnlyModelViewSet):
    """Occupations of the 国家职业分类大典 with the levels their standards define (public)."""

    queryset = Occupation.objects.prefetch_related("levels")
    serializer_class = OccupationSerializer
    filterset_class = OccupationFilterSet
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"[0-9-]+"


class JobViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Background jobs and their progress; each user sees their own (institutions: their colleagues')."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]

    def get_object(self):
        return super().get_object().with_live_progress()

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed job again, or send one the broker never received (its starter or a
        province admin); 400 while it runs or once it succeeded."""
        job = self.get_object()
        job.retry(request.user)
        return Response(JobSerializer(job, context=self.get_serializer_context()).data)


class RuleSelfCheckThrottle(SimpleRateThrottle):
    """The public self-check is rate limited per client address, signed in or not."""

    scope = "rule-self-check"

    def get_cache_key(self, request, view):
        # Not DRF's get_ident, which believes X-Forwarded-For from anyone.
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def _invalid(zh: str, en: str, **errors) -> Response:
    return Response({"detail": {"zh": zh, "en": en}, **errors}, status=status.HTTP_400_BAD_REQUEST)


class RuleViewSet(viewsets.ViewSet):
    """The rules of the notices: list, one rule, and a public self-check (`evaluate`)."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "rule_id"
    lookup_value_regex = r"[a-z_.]+"
    serializer_class = RuleSerializer

    def _rule(self, rule_id):
        try:
            return rules.get_rule(rule_id)
        except rules.UnknownRule:
            raise Http404(f"没有规则 {rule_id} / No rule {rule_id}") from None

    @extend_schema(responses=RuleSerializer(many=True))
    def list(self, request):
        data = [describe(rule) for rule in rules.RULES.values()]
        return Response(RuleSerializer(data, many=True).data)

    @extend_schema(responses=RuleSerializer)
    def retrieve(self, request, rule_id=None):
        return Response(RuleSerializer(describe(self._rule(rule_id))).data)

    @extend_schema(request=EvaluateRequestSerializer, responses=DecisionSerializer)
    @action(
        detail=True,
        methods=["post"],
        throttle_classes=[RuleSelfCheckThrottle],
    )
    def evaluate(self, request, rule_id=None):
        rule = self._rule(rule_id)
        body = EvaluateRequestSerializer(data=request.data)
        if not body.is_valid():
            missing = ", ".join(body.errors)
            return _invalid(
                f"请求无效：{missing}", f"Invalid request: {missing}", errors=body.errors
            )
        try:
            decision = rule.evaluate(body.validated_data["facts"], body.validated_data.get("as_of"))
        except rules.InvalidFacts as exc:
            names = ", ".join(exc.errors)
            return _invalid(
                f"事实缺失或无效：{names}", f"Missing or invalid facts: {names}", facts=exc.errors
            )
        return Response(decision.to_dict())

    @extend_schema(request=ParameterVersionRequestSerializer, responses=RuleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def parameters(self, request, rule_id=None):
        """Province admins add a parameter version in force from a date (today or later)."""
        if not request.user.is_province_admin:
            return Response(
                {
                    "detail": "仅省级管理员可修改规则参数 / Only province admins may change rule parameters"
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        rule = self._rule(rule_id)
        body = ParameterVersionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            RuleParameterVersion.objects.add_version(
                rule,
                body.validated_data["effective_from"],
                body.validated_data["parameters"],
                note=body.validated_data.get("note", ""),
                user=request.user,
            )
        except rules.InvalidParameters as exc:
            return _invalid("参数无效", "Invalid parameters", parameters=exc.errors)
        except IntegrityError:
            return _invalid(
                "该日期已有参数版本", "A version from that date already exists", effective_from=[]
            )
        return Response(RuleSerializer(describe(rule)).data, status=status.HTTP_201_CREATED)


class ObtainApiTokenView(APIView):
    """Username and password in, a new API token out (valid API_TOKEN_TTL_HOURS). The secret is
    in this answer only; send it as `Authorization: Token <secret>`."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses=IssuedTokenSerializer)
    def post(self, request):
        # The per-account guard of the sign-in page (AccountGuard): locked, or a proof of work
        # is due (429 with the challenge to solve, as the lookup API does).
        data = request.data
        try:
            AccountGuard.objects.gate(
                str(data.get("username", "")), data.get("captcha_token"), data.get("captcha_answer")
            )
        except SignInRefused as refusal:
            if refusal.challenge is None:
                return Response({"detail": refusal.message}, status=403)
            challenge = {
                "token": refusal.challenge.token,
                "bits": refusal.challenge.bits,
                "algorithm": proof_of_work.ALGORITHM,
            }
            return Response({"detail": refusal.message, "challenge": challenge}, status=429)
        body = TokenRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        token, secret = ApiToken.objects.issue(
            body.validated_data["user"], name=body.validated_data["name"]
        )
        token.token = secret
        # 200, as the DRF view this replaces answered: existing scripts keep working.
        return Response(IssuedTokenSerializer(token, context={"request": request}).data)


class ApiTokenViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The signed-in user's own API tokens: list them, revoke one (DELETE). Another user's token
    is a 404."""

    queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer


routes = [
    ("regions", RegionViewSet, "region"),
    ("occupations", OccupationViewSet, "occupation"),
    ("jobs", JobViewSet, "job"),
    ("rules", RuleViewSet, "rule"),
    ("auth/tokens", ApiTokenViewSet, "auth-token"),
]
