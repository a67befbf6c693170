"""Competitions API: competitions, contestants, competition-filings, recognitions — scoped like the
pages. The models and rules decide; a refusal is a 400 with its bilingual message and clause."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from competitions.api.serializers import (
    CertificateDelegationSerializer,
    CertificateIssueSerializer,
    CompetitionFilingSerializer,
    CompetitionSerializer,
    ContestantSerializer,
    DecideSerializer,
    DelegateRequestSerializer,
    EventCreateSerializer,
    EventSerializer,
    FileRequestSerializer,
    HonourRecordSerializer,
    HonourRefuseSerializer,
    HonourSerializer,
    OpinionSerializer,
    RecognitionDecisionSerializer,
    RecognitionSerializer,
)
from competitions.filtersets import (
    CompetitionFilingFilterSet,
    CompetitionFilterSet,
    ContestantFilterSet,
    HonourFilterSet,
    RecognitionFilterSet,
)
from competitions.forms import EventForm
from competitions.issuance import (
    decide_recognition,
    issue_competition_certificates,
    propose_recognitions,
)
from competitions.models import Competition, CompetitionFiling, Contestant, Honour, Recognition
from skilleval.api.base import RoleWritePermission, ScopedViewSetMixin
from skilleval.choices import Role


class CompetitionViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Competitions (54号 一–四): organisers create and keep their own; HR departments see those of
    their city or county. Each carries the filings it needs now and whether it keeps its
    incentives."""

    queryset = Competition.objects.select_related("host_region").prefetch_related(
        "events__occupation", "regions_involved"
    )
    serializer_class = CompetitionSerializer
    filterset_class = CompetitionFilterSet
    permission_classes = [RoleWritePermission]
    write_roles = (Role.COMPETITION_ORGANISER,)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    @extend_schema(request=EventCreateSerializer, responses={201: EventSerializer})
    @action(detail=True, methods=["post"])
    def events(self, request, pk=None):
        """Add an event by occupation code: one whole occupation of 大类 3–6 (54号 三)."""
        competition = self.get_object()
        competition.require_organiser(request.user)
        form = EventForm(self._body(EventCreateSerializer), competition=competition)
        if not form.is_valid():
            return Response(
                {"detail": [m for errors in form.errors.values() for m in errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(EventSerializer(form.save()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FileRequestSerializer, responses={201: CompetitionFilingSerializer})
    @action(detail=True, methods=["post"])
    def filings(self, request, pk=None):
        """Submit a filing a rule requires now (54号 二); cross-region filings before the start."""
        competition = self.get_object()
        filing = competition.file(self._body(FileRequestSerializer)["reason"], user=request.user)
        return Response(
            CompetitionFilingSerializer(filing, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=DelegateRequestSerializer, responses={201: CertificateDelegationSerializer}
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def delegation(self, request, pk=None):
        """The host city's HR staff (or the province) record that a city class-2 competition's
        certificates are issued by the organiser's certifying institution (54号 四)."""
        competition = self.get_object()  # outside the caller's scope: 404 before reading the body
        body = self._body(DelegateRequestSerializer)
        delegation = competition.delegate_certificates(
            body["institution"], user=request.user, note=body["note"]
        )
        return Response(
            CertificateDelegationSerializer(delegation).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=RecognitionSerializer(many=True))
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def propose(self, request, pk=None):
        """Propose direct recognitions for the ranked, eligible contestants (实施意见 十五); refused
        when a required filing is missing (54号 二)."""
        proposals = propose_recognitions(self.get_object(), request.user)
        return Response(RecognitionSerializer(proposals, many=True).data)

    @extend_schema(request=None, responses=CertificateIssueSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def certificates(self, request, pk=None):
        """Issue competition certificates to the ranked, eligible contestants who have none, by the
        issuer 54号 四 names."""
        result = issue_competition_certificates(self.get_object(), request.user)
        return Response(
            CertificateIssueSerializer(
                {
                    "issuer": result.issuer.name,
                    "issued": [c.number for c in result.issued],
                    "skipped": result.skipped,
                }
            ).data
        )


class ContestantViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Contestants of the competitions in scope; the organiser registers them one at a time
    (spreadsheets go through the competition page). ID numbers are written, never read back."""

    queryset = Contestant.objects.select_related("event__occupation")
    serializer_class = ContestantSerializer
    filterset_class = ContestantFilterSet
    permission_classes = [RoleWritePermission]
    write_roles = (Role.COMPETITION_ORGANISER,)
    http_method_names = ["get", "post", "head", "options"]


class CompetitionFilingViewSet(viewsets.ReadOnlyModelViewSet):
    """Filings (54号 二, 附件1) of the competitions in scope. County, city and province each give
    their opinion; the department it was filed with approves or rejects."""

    serializer_class = CompetitionFilingSerializer
    filterset_class = CompetitionFilingFilterSet
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return CompetitionFiling.objects.visible_to(self.request.user).select_related(
            "competition", "authority", "submitted_by", "decided_by"
        )

    def _filing(self, filing):
        filing.refresh_from_db()
        return Response(self.get_serializer(filing).data)

    @extend_schema(request=OpinionSerializer, responses=CompetitionFilingSerializer)
    @action(detail=True, methods=["post"])
    def opinion(self, request, pk=None):
        """Write the opinion of the caller's level on the 附件1 form."""
        filing = self.get_object()
        body = OpinionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filing.record_opinion(user=request.user, opinion=body.validated_data["opinion"])
        return self._filing(filing)

    @extend_schema(request=DecideSerializer, responses=CompetitionFilingSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve or reject, with an optional opinion; only the department it was filed with."""
        filing = self.get_object()
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filing.decide(user=request.user, **body.validated_data)
        return self._filing(filing)


class RecognitionViewSet(viewsets.ReadOnlyModelViewSet):
    """Direct recognitions (实施意见 十五) of the contestants in scope; the province decides its
    own, the host city or county the others (level 2 or below)."""

    serializer_class = RecognitionSerializer
    filterset_class = RecognitionFilterSet
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return Recognition.objects.visible_to(self.request.user).select_related(
            "contestant__event__occupation", "contestant__competition__host_region"
        )

    @extend_schema(request=RecognitionDecisionSerializer, responses=RecognitionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        recognition = self.get_object()
        body = RecognitionDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decide_recognition(
            recognition,
            user=request.user,
            grant=body.validated_data["grant"],
            level=body.validated_data.get("level"),
        )
        return Response(self.get_serializer(recognition).data)


class HonourViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Honours recorded for direct recognition (实施意见 十六): the province records and recognises
    the top three as level 1; a city or county HR department the other government honours of its
    area, at 技师 or below. Recognising issues the one skill-level certificate."""

    queryset = Honour.objects.select_related("occupation", "region", "certificate")
    serializer_class = HonourSerializer
    filterset_class = HonourFilterSet
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=HonourRecordSerializer, responses={201: HonourSerializer})
    def create(self, request):
        body = HonourRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        honour = Honour.record(user=request.user, **body.validated_data)
        return Response(self.get_serializer(honour).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=HonourSerializer)
    @action(detail=True, methods=["post"])
    def recognise(self, request, pk=None):
        honour = self.get_object()
        honour.recognise(user=request.user)
        return Response(self.get_serializer(honour).data)

    @extend_schema(request=HonourRefuseSerializer, responses=HonourSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        honour = self.get_object()
        body = HonourRefuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        honour.refuse(user=request.user, reason=body.validated_data["reason"])
        return Response(self.get_serializer(honour).data)


routes = [
    ("competitions", CompetitionViewSet, "api-competition"),
    ("contestants", ContestantViewSet, "api-contestant"),
    ("competition-filings", CompetitionFilingViewSet, "api-competition-filing"),
    ("recognitions", RecognitionViewSet, "api-recognition"),
    ("honours", HonourViewSet, "api-honour"),
]
