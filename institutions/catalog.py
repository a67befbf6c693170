"""The public catalog of evaluation institutions (54号 五, 附件2). Being written."""

from django.http import HttpResponse


def catalog_page(request):
    return HttpResponse(status=503)


def catalog_export(request):
    return HttpResponse(status=503)
