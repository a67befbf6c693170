"""The API of filings (备案): submit, decide, change the filed scope."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from institutions.api.serializers import (
    AdditionCheckSerializer,
    ApproveSerializer,
    EndEarlySerializer,
    FilingCreateSerializer,
    FilingItemSerializer,
    FilingMaterialSerializer,
    FilingRegionScopeSerializer,
    FilingSerializer,
    OccupationLevelRequestSerializer,
    RejectSerializer,
    ScopeReductionSerializer,
)
from institutions.filtersets import FilingFilterSet
from institutions.models import Filing, ScopeReductionUnconfirmed
from skilleval.api.base import RoleWritePermission, ScopedViewSetMixin
from skilleval.choices import INSTITUTION_ROLES


@extend_schema_view(
    create=extend_schema(request=FilingCreateSerializer, responses={201: FilingSerializer}),
    partial_update=extend_schema(request=FilingRegionScopeSerializer, responses=FilingSerializer),
)
class FilingViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Filings (备案, 41号 三(四)): the institution drafts, completes and submits; the HR department
    it is filed with approves or rejects (the models check who may decide)."""

    queryset = Filing.objects.select_related("institution").prefetch_related(
        "items__occupation", "materials", "region_scope"
    )
    serializer_class = FilingSerializer
    filterset_class = FilingFilterSet
    permission_classes = [RoleWritePermission]
    write_roles = INSTITUTION_ROLES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return {
            "create": FilingCreateSerializer,
            "partial_update": FilingRegionScopeSerializer,
        }.get(self.action, FilingSerializer)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _filing(self, filing):
        return Response(FilingSerializer(filing, context=self.get_serializer_context()).data)

    @extend_schema(request=OccupationLevelRequestSerializer, responses={201: FilingItemSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        """Request an occupation-level; refused outside 大类 3–6, at a level the standard does not
        define, or without technical resources for a third party (54号 三)."""
        filing = self.get_object()
        data = self._body(OccupationLevelRequestSerializer)
        item = filing.add_item(
            data["occupation_code"],
            data["level"],
            user=request.user,
            enterprise_spec=data["enterprise_spec"],
        )
        return Response(FilingItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FilingMaterialSerializer, responses={201: FilingMaterialSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def materials(self, request, pk=None):
        """Attach one document of the 41号 附件 checklist (PDF, Office or OFD, at most 20 MB)."""
        filing = self.get_object()
        data = self._body(FilingMaterialSerializer)
        material = filing.attach_material(data["kind"], data["file"], user=request.user)
        return Response(FilingMaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=FilingSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a complete draft; an incomplete checklist is refused, naming what is missing."""
        filing = self.get_object()
        filing.submit(user=request.user)
        return self._filing(filing)

    def _decide(self, filing, decision, serializer_class):
        """Take a decision that may shrink the scope; unconfirmed, a 400 lists the batches."""
        try:
            decision(user=self.request.user, **self._body(serializer_class))
        except ScopeReductionUnconfirmed as refusal:
            body = {
                "detail": refusal.messages,
                "code": "scope_reduction",
                "batches": refusal.batches,
            }
            return Response(ScopeReductionSerializer(body).data, status=status.HTTP_400_BAD_REQUEST)
        return self._filing(filing)

    @extend_schema(
        request=ApproveSerializer, responses={200: FilingSerializer, 400: ScopeReductionSerializer}
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def approve(self, request, pk=None):
        """The HR department it was filed with approves, giving the validity period (54号 五).
        A filing adds to the institution's scope; one that replaces another and would leave open
        batches outside is approved only with `confirm_scope_reduction: true`."""
        filing = self.get_object()
        return self._decide(filing, filing.approve, ApproveSerializer)

    @extend_schema(
        request=EndEarlySerializer, responses={200: FilingSerializer, 400: ScopeReductionSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="end-early",
        permission_classes=[permissions.IsAuthenticated],
    )
    def end_early(self, request, pk=None):
        """The HR department it was filed with ends an approved filing early, with a reason; open
        batches left outside the scope need `confirm_scope_reduction: true`."""
        filing = self.get_object()
        return self._decide(filing, filing.end_early, EndEarlySerializer)

    @extend_schema(request=RejectSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reject(self, request, pk=None):
        """The HR department it was filed with rejects, with a reason the institution sees."""
        filing = self.get_object()
        filing.reject(user=request.user, **self._body(RejectSerializer))
        return self._filing(filing)

    @extend_schema(request=AdditionCheckSerializer, responses={201: FilingItemSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="add-occupation",
        permission_classes=[permissions.IsAuthenticated],
    )
    def add_occupation(self, request, pk=None):
        """239号 三: city staff add an occupation-level to a valid filing after checking it."""
        filing = self.get_object()
        data = self._body(AdditionCheckSerializer)
        item = filing.add_occupation_after_check(
            user=request.user,
            occupation=data.pop("occupation_code"),
            **data,
        )
        return Response(FilingItemSerializer(item).data, status=status.HTTP_201_CREATED)
