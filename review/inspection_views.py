"""Quality-control pages: campaigns (supervisors), assignments (inspectors), the merchant's side.

Placeholder views; the pages are being built.
"""

from django.http import Http404, HttpRequest, HttpResponse


def assignments(request: HttpRequest) -> HttpResponse:
    raise Http404


def record(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
