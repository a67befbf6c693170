"""The API of institutions and the technical resources catalog (国家职业标准等技术资源)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from institutions.api.serializers import (
    CatalogChangeSerializer,
    InstitutionSerializer,
    TechnicalResourceSerializer,
)
from institutions.filtersets import InstitutionFilterSet, TechnicalResourceFilterSet
from institutions.models import Institution
from skilleval.api.base import ScopedViewSetMixin
from skilleval.models import OccupationLevel


class OwnInstitutionWrite(permissions.BasePermission):
    """Only those who act for the institution (Institution.may_be_managed_by) change its contacts."""

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return obj.may_be_managed_by(request.user)  # as on the page: its own or parent's staff


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
        description=_("联系方式（负责人、联系人、电话、地址），仅本机构人员")
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
