"""API of audits and quality: the inspector pool, spot checks (双随机) with their reproduction,
findings and publication, complaints (public to file and to follow, staff to handle) and notices.
Scoped like the pages; the steps are the same functions the pages call."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from audits import draws
from audits.api.serializers import (
    AdvanceSerializer,
    ComplaintCreateSerializer,
    ComplaintReceiptSerializer,
    ComplaintSerializer,
    ComplaintStatusRequestSerializer,
    ComplaintStatusSerializer,
    DrawRequestSerializer,
    FindingRequestSerializer,
    FindingSerializer,
    InspectorSerializer,
    NoticeSerializer,
    PublishedOutcomeSerializer,
    PublishOutcomeSerializer,
    QualityReviewSerializer,
    RedrawRequestSerializer,
    ReproductionSerializer,
    RunReviewSerializer,
    SpotCheckListSerializer,
    SpotCheckSerializer,
)
from audits.draws import publish, record_finding, redraw, reproduction, visible_entities
from audits.filtersets import (
    ComplaintFilterSet,
    InspectorFilterSet,
    NoticeFilterSet,
    SpotCheckFilterSet,
)
from audits.forms import (
    ComplaintStatusThrottle,
    ComplaintThrottle,
    normalise_reference,
    throttle_wait,
)
from audits.models import Complaint, Inspector, Notice, QualityReview, SpotCheck
from audits.reviews import run_review
from audits.views.staff import is_hr_staff
from certificates.api.views import PublicView
from certificates.lookup import ClientThrottle
from skilleval.api.base import ScopedViewSetMixin
from skilleval.choices import INSTITUTION_ROLES

THROTTLED = OpenApiResponse(description=_("提交过于频繁"))


class ProvinceStaffOnly(permissions.BasePermission):
    """Province auditors and admins."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.sees_everything)


class ProvinceStaffWrite(ProvinceStaffOnly):
    """Anybody reads; province auditors and admins write."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or super().has_permission(request, view)


class HrStaffOnly(permissions.BasePermission):
    """The HR departments handle complaints; institutions never see who reported them."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_hr_staff(request.user))


def throttle(throttle_class, request) -> None:
    wait = throttle_wait(throttle_class, request)
    if wait is not None:
        raise exceptions.Throttled(wait)


class InspectorViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The inspector pool (province auditors and admins). Take a member out with
    `PATCH {"active": false}`; past draws keep their frozen inputs."""

    queryset = Inspector.objects.select_related("city", "institution")
    serializer_class = InspectorSerializer
    filterset_class = InspectorFilterSet
    permission_classes = [ProvinceStaffOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]


@extend_schema_view(
    create=extend_schema(request=DrawRequestSerializer, responses={201: SpotCheckSerializer})
)
class SpotCheckViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Random spot checks (双随机): province auditors draw; city staff see the draws involving
    their city, institutions their own entities and findings."""

    queryset = SpotCheck.objects.select_related("drawn_by", "replaced_by").defer(
        "replaced_by__inputs"  # megabytes, not shown
    )
    serializer_class = SpotCheckSerializer
    filterset_class = SpotCheckFilterSet

    def get_serializer_class(self):
        return SpotCheckListSerializer if self.action == "list" else SpotCheckSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["show_inspectors"] = not (
            user.is_authenticated and user.has_role(*INSTITUTION_ROLES)
        )
        return context

    def _spot_check(self, spot_check, code=status.HTTP_200_OK):
        return Response(
            SpotCheckSerializer(spot_check, context=self.get_serializer_context()).data,
            status=code,
        )

    def create(self, request, *args, **kwargs):
        """Draw: entities at random, weighted by complaints and past findings, then inspectors
        at random with avoidance (回避). Refused (403) for anyone but province auditors/admins."""
        body = DrawRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spot_check = draws.draw(user=request.user, **body.draw_arguments())
        return self._spot_check(spot_check, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ReproductionSerializer)
    @action(detail=True, methods=["get"])
    def reproduce(self, request, pk=None):
        """Run the draw again from its recorded seed and inputs; `matches` says whether the
        result is the one stored. The picks themselves are listed for the province only."""
        result = reproduction(self.get_object())
        if not request.user.sees_everything:
            result = {**result, "stored": [], "reproduced": []}
        return Response(ReproductionSerializer(result).data)

    @extend_schema(request=RedrawRequestSerializer, responses={201: SpotCheckSerializer})
    @action(detail=True, methods=["post"])
    def redraw(self, request, pk=None):
        """A new draw over the same population that names this one as replaced; a reason is
        required, and a draw with findings or published results cannot be redrawn."""
        spot_check = self.get_object()
        body = RedrawRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = redraw(spot_check, user=request.user, reason=body.validated_data["reason"])
        return self._spot_check(new, status.HTTP_201_CREATED)

    @extend_schema(request=FindingRequestSerializer, responses={201: FindingSerializer})
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):
        """Record (or correct, until publication) the finding at one drawn entity."""
        spot_check = self.get_object()
        body = FindingRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        entity = get_object_or_404(
            visible_entities(spot_check, request.user), pk=data.pop("entity")
        )
        finding = record_finding(entity, user=request.user, **data)
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SpotCheckSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """一公开: publish the results once every drawn entity has a finding."""
        spot_check = publish(self.get_object(), user=request.user)
        return self._spot_check(spot_check)


@extend_schema_view(
    create=extend_schema(
        request={
            "application/json": ComplaintCreateSerializer,
            "multipart/form-data": ComplaintCreateSerializer,
        },
        responses={201: ComplaintReceiptSerializer, 429: THROTTLED},
        auth=[],
    )
)
class ComplaintViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Complaints (举报): anybody files one (a few an hour from one address) and follows it by its
    reference; HR staff in scope handle it through assigned → investigating → concluded."""

    queryset = Complaint.objects.select_related("city", "institution", "assigned_to")
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_permissions(self):
        if self.action in ("create", "check_status"):
            return [permissions.AllowAny()]
        return [HrStaffOnly()]

    def get_serializer_class(self):
        return ComplaintCreateSerializer if self.action == "create" else ComplaintSerializer

    def create(self, request, *args, **kwargs):
        """File a complaint; the answer carries the reference number to follow it with."""
        serializer = ComplaintCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        throttle(ComplaintThrottle, request)
        complaint = serializer.save()
        return Response(ComplaintReceiptSerializer(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="complaints_status",
        request=ComplaintStatusRequestSerializer,
        responses={200: ComplaintStatusSerializer, 404: OpenApiResponse(), 429: THROTTLED},
        auth=[],
    )
    @action(detail=False, methods=["post"], url_path="status")
    def check_status(self, request):
        """The status of a complaint by its reference, and the outcome once concluded; nothing
        else. Sent in the body (POST) so the reference stays out of logs."""
        body = ComplaintStatusRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        throttle(ComplaintStatusThrottle, request)
        reference = normalise_reference(body.validated_data["reference"])
        complaint = Complaint.objects.filter(reference=reference).first()
        if complaint is None:
            raise exceptions.NotFound(gettext("未找到该受理编号"))
        return Response(ComplaintStatusSerializer(complaint).data)

    @extend_schema(request=AdvanceSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """The next step: `assignee` to assign (province staff or the complaint's city staff),
        nothing to start investigating, `outcome` to conclude."""
        complaint = self.get_object()
        body = AdvanceSerializer(data=request.data, context={"complaint": complaint})
        body.is_valid(raise_exception=True)
        complaint.advance(user=request.user, **body.validated_data)
        return Response(ComplaintSerializer(complaint).data)

    @extend_schema(request=PublishOutcomeSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a concluded complaint's outcome in a summary written for the public (实施意见
        二十五): province staff, or the complaint's city staff; no ID or phone number in it."""
        complaint = self.get_object()
        body = PublishOutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        complaint.publish(user=request.user, summary=body.validated_data["summary"])
        return Response(ComplaintSerializer(complaint).data)


class ComplaintOutcomeThrottle(ClientThrottle):
    """The public list of outcomes: the client rate of the other public endpoints, apart."""

    scope = "public-complaint-outcomes"


class PublicComplaintOutcomesView(PublicView, generics.ListAPIView):
    """处理结果及时向社会公开 (实施意见 二十五): the published outcomes of complaints, newest first,
    paginated; what the page /audits/complaints/outcomes/ shows, nothing more."""

    queryset = Complaint.objects.published().select_related("institution", "city")
    serializer_class = PublishedOutcomeSerializer
    throttle_classes = [ComplaintOutcomeThrottle]
    filter_backends = []

    @extend_schema(operation_id="public_complaint_outcomes", auth=[])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NoticeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Province-wide notices (全省通报, 54号 五): public to read, issued by province staff."""

    queryset = Notice.objects.select_related("institution")
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet
    permission_classes = [ProvinceStaffWrite]

    def perform_create(self, serializer):
        serializer.save(issued_by=self.request.user)


class QualityReviewViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Twice-yearly quality reviews (54号 五); each caller sees the rows of their own scope.
    Province staff run a half-year on demand (a re-run is a new version, never a replacement)."""

    queryset = QualityReview.objects.order_by("-year", "-half", "-version")
    serializer_class = QualityReviewSerializer
    filterset_fields = ["year", "half"]

    @extend_schema(request=RunReviewSerializer, responses={201: QualityReviewSerializer})
    @action(detail=False, methods=["post"], permission_classes=[ProvinceStaffOnly])
    def run(self, request):
        body = RunReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = run_review(
            body.validated_data["year"], int(body.validated_data["half"]), request.user
        )
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED)


routes = [  # (prefix, viewset, basename) registered on /api/v1/
    ("inspectors", InspectorViewSet, "api-inspector"),
    ("spot-checks", SpotCheckViewSet, "api-spot-check"),
    ("complaints", ComplaintViewSet, "api-complaint"),
    ("notices", NoticeViewSet, "api-notice"),
    ("quality-reviews", QualityReviewViewSet, "api-quality-review"),
]
urlpatterns = [
    path(
        "public/complaint-outcomes/",
        PublicComplaintOutcomesView.as_view(),
        name="api-public-complaint-outcomes",
    ),
]
