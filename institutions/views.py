from institutions.filtersets import InstitutionFilterSet
from institutions.models import Institution
from skilleval.views import ScopedDetailView, ScopedListView


class InstitutionListView(ScopedListView):
    model = Institution
    filterset_class = InstitutionFilterSet
    template_name = "institutions/list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("city", "county")


class InstitutionDetailView(ScopedDetailView):
    model = Institution
    template_name = "institutions/detail.html"
