"""The setting of the spot checks (双随机) the audit tests draw: institutions in the catalog, an
inspector in each of Jiangsu's thirteen cities, and a draw of them all."""

from audits.choices import Population
from audits.draws import draw
from audits.models import Inspector
from skilleval.models import Region
from tests.factories import InstitutionFactory, approved_filing, region

CITIES = [f"32{n:02d}00" for n in range(1, 14)]


def catalog_with_wuxi(nanjing_institution, suzhou_institution, occupation):
    """alice's (Nanjing) and charlie's (Suzhou) institutions and one in Wuxi, each filed for the
    occupation at level 4, so all three stand in the catalog."""
    wuxi = InstitutionFactory(name="无锡测试评价中心", county=region("320213"))
    institutions = [nanjing_institution, suzhou_institution, wuxi]
    for institution in institutions:
        approved_filing(institution, [(occupation, 4)])
    return institutions


def inspector_in_every_city():
    return [
        Inspector.objects.create(name=f"检查员{code}", city=Region.objects.get(code=code))
        for code in CITIES
    ]


def draw_all(user, **kwargs):
    """A spot check of every institution in the catalog (ratio 1)."""
    return draw(user=user, population=Population.INSTITUTIONS, ratio=1, **kwargs)
