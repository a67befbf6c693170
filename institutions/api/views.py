from rest_framework import viewsets

from institutions.api.serializers import InstitutionSerializer
from institutions.filtersets import InstitutionFilterSet
from institutions.models import Institution
from skilleval.api.base import ScopedViewSetMixin


class InstitutionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Evaluation institutions in the user's scope."""

    queryset = Institution.objects.select_related("city", "county")
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet


routes = [("institutions", InstitutionViewSet, "institution")]
