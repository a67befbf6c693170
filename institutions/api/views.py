from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from institutions.api.serializers import (
    AdditionCheckSerializer,
    ApproveSerializer,
    CatalogChangeSerializer,
    FilingCreateSerializer,
    FilingItemSerializer,
    FilingMaterialSerializer,
    FilingRegionScopeSerializer,
    FilingSerializer,
    InstitutionSerializer,
    OccupationLevelRequestSerializer,
    RejectSerializer,
    TechnicalResourceSerializer,
)
from institutions.filtersets import (
    FilingFilterSet,
    InstitutionFilterSet,
    TechnicalResourceFilterSet,
)
from institutions.models import Filing, Institution
from skilleval.api.base import RoleWritePermission, ScopedViewSetMixin
from skilleval.choices import INSTITUTION_ROLES
from skilleval.models import OccupationLevel


class OwnInstitutionWrite(permissions.BasePermission):
    """Only the institution's own staff and signatory change its contacts."""

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_role(*INSTITUTION_ROLES) and request.user.institution_id == obj.pk


class ProvinceAdminWrite(permissions.BasePermission):
    """A public catalog: anybody reads it, province admins keep it."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(
            request.user and request.user.is_authenticated and request.user.is_province_admin
        )


@extend_schema_view(
    partial_update=extend_schema(
        description="联系方式（负责人、联系人、电话、地址），仅本机构人员 / Contacts; the institution's own staff only"
    )
)
class InstitutionViewSet(
    ScopedViewSetMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Evaluation institutions in the user's scope."""

    queryset = Institution.objects.select_related("city", "county")
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet
    permission_classes = [permissions.IsAuthenticated, OwnInstitutionWrite]
    http_method_names = ["get", "patch", "post", "head", "options"]

    @extend_schema(request=CatalogChangeSerializer, responses=InstitutionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def catalog(self, request, pk=None):
        """Suspend, restore or remove from the catalog (能进能出, 实施意见 二十三); province admins."""
        institution = self.get_object()
        body = CatalogChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        institution.change_catalog_status(
            body.validated_data["action"], actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(self.get_serializer(institution).data)


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
        item = filing.add_item(data["occupation_code"], data["level"])
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

    @extend_schema(request=ApproveSerializer, responses=FilingSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def approve(self, request, pk=None):
        """The HR department it was filed with approves, giving the validity period (54号 五)."""
        filing = self.get_object()
        filing.approve(user=request.user, **self._body(ApproveSerializer))
        return self._filing(filing)

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


class TechnicalResourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The technical-resource catalog (54号 三), one row per occupation-level: public to read,
    kept by province admins."""

    queryset = OccupationLevel.objects.select_related("occupation")
    serializer_class = TechnicalResourceSerializer
    filterset_class = TechnicalResourceFilterSet
    permission_classes = [ProvinceAdminWrite]
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer):
        serializer.save(resources_updated_at=timezone.now())


# URL names start with "api-": the pages of institutions/urls.py already use "institution-detail",
# "filing-detail" and "technical-resource-list", and the router's names would shadow them.
routes = [
    ("institutions", InstitutionViewSet, "api-institution"),
    ("filings", FilingViewSet, "api-filing"),
    ("technical-resources", TechnicalResourceViewSet, "api-technical-resource"),
]
