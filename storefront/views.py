"""The public side of "one store, one code": the store page /s/<code>/, its QR code, the A5
poster, and the public merchant search. No login; an unknown code is a 404.

The page's content is cached per code, language and generation (storefront.cache); a hit
reads nothing from the database. For a signed-in visitor the layout around it (navigation,
language form with its CSRF token) is rendered per request; for a visitor without a session the
whole page is cached too, and only the CSRF token is put in per response, so nothing personal is
ever cached or shared.
"""

import re
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import conditional_escape
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from merchants.forms.stations import PublicStationFilterForm
from merchants.models import Merchant
from merchants.selectors import public_county_list, station_list_public
from storefront import qr, selectors
from storefront.cache import store_page_generation, store_page_key
from storefront.forms import StoreSearchForm

# Changes reach the page through invalidation; the timeout bounds what the date alone changes (a
# permit expiring, a visit leaving the 12-month window): entries end by midnight. A local-memory
# cache is one per process, so an invalidation reaches only the process that made the change:
# there, entries live minutes (production sets REDIS_URL, one cache shared by every worker).
STORE_PAGE_MAX_AGE = 6 * 3600
STORE_PAGE_MAX_AGE_PER_PROCESS = 5 * 60
PUBLIC_CODE_MAX_LENGTH = Merchant._meta.get_field("public_code").max_length
# The QR image only encodes the page's address, which never changes for a merchant.
QR_MAX_AGE = 7 * 24 * 3600
STATION_PAGE_SIZE = 50


def _max_age(backend: str = "") -> int:
    backend = backend or settings.CACHES["default"]["BACKEND"]
    shared = not backend.endswith(("LocMemCache", "DummyCache"))
    return min(
        STORE_PAGE_MAX_AGE if shared else STORE_PAGE_MAX_AGE_PER_PROCESS, _seconds_to_midnight()
    )


def _seconds_to_midnight() -> int:
    now = timezone.localtime()
    midnight = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), time.min))
    return max(1, int((midnight - now).total_seconds()))


def store_page_content(public_code: str) -> dict[str, str]:
    """The page's title and rendered body, from the cache or built and cached (404 if the code
    is unknown; unknown codes are not cached)."""
    if len(public_code) > PUBLIC_CODE_MAX_LENGTH:
        raise Http404
    key = store_page_key(public_code, get_language(), store_page_generation())
    content = cache.get(key)
    if content is None:
        data = selectors.store_page(public_code=public_code)
        content = {
            "title": data["name"],
            "body": render_to_string("storefront/_page_body.html", {"store": data}),
        }
        cache.set(key, content, timeout=_max_age())
    return content


# The anonymous page is cached whole with this in place of the CSRF token of its language form;
# each response gets the visitor's own token.
ANONYMOUS_TOKEN = "store-page-csrf-token-placeholder"


def _is_plain_visit(request: HttpRequest) -> bool:
    """No session, no pending messages, no query string: the page looks the same to everyone
    like this (most visits: a phone scanning the code)."""
    return (
        not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


# The layout around a plain visit's page is the same for every store but for the page's title,
# its body and its own address (the language form's "next"): rendered once per process and
# language, with these marks in their places, and split there. Anything else the layout takes
# from the request is frozen with it: a plain visit is anonymous and has no messages, and
# base.html uses no per-request value (a CSP nonce there would need a mark of its own).
_MARKS = {
    "title": "store-page-title-mark",
    "body": "store-page-body-mark",
    "path": "store-page-path-mark",
}
_layouts: dict[str, list[str]] = {}


def _anonymous_page(request: HttpRequest, content: dict[str, str]) -> str:
    values = {
        "title": conditional_escape(content["title"]),
        "body": content["body"],
        "path": conditional_escape(request.get_full_path()),
    }
    language = get_language()
    layout = _layouts.get(language)
    if layout is None:
        context = {"title": _MARKS["title"], "body": _MARKS["body"], "csrf_token": ANONYMOUS_TOKEN}
        html = render_to_string("storefront/page.html", context, request=request)
        html = html.replace(values["path"], _MARKS["path"])
        if any(html.count(mark) != 1 for mark in _MARKS.values()):  # each where expected
            return render_to_string(
                "storefront/page.html", {**content, "csrf_token": ANONYMOUS_TOKEN}, request=request
            )
        layout = _layouts[language] = re.split(f"({'|'.join(_MARKS.values())})", html)
    names = {mark: name for name, mark in _MARKS.items()}
    return "".join(values[names[part]] if part in names else part for part in layout)


@require_safe
def store_page(request: HttpRequest, public_code: str) -> HttpResponse:
    if not _is_plain_visit(request):
        return render(request, "storefront/page.html", store_page_content(public_code))
    if len(public_code) > PUBLIC_CODE_MAX_LENGTH:
        raise Http404
    key = store_page_key(public_code, get_language(), store_page_generation(), variant="anonymous")
    page = cache.get(key)
    if page is None:
        page = _anonymous_page(request, store_page_content(public_code))
        cache.set(key, page, timeout=_max_age())
    return HttpResponse(page.replace(ANONYMOUS_TOKEN, get_token(request)))


def _require_merchant(public_code: str) -> None:
    if not selectors.store_merchant_exists(public_code=public_code):
        raise Http404


def _qr_response(
    body: bytes, content_type: str, public_code: str, ext: str, download: bool
) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    patch_cache_control(response, public=True, max_age=QR_MAX_AGE)
    if download:
        response["Content-Disposition"] = f'attachment; filename="store-{public_code}.{ext}"'
    return response


@require_safe
def store_qr_svg(request: HttpRequest, public_code: str) -> HttpResponse:
    _require_merchant(public_code)
    return _qr_response(
        qr.store_qr_svg(public_code),
        "image/svg+xml",
        public_code,
        "svg",
        request.GET.get("download") == "1",
    )


@require_safe
def store_qr_png(request: HttpRequest, public_code: str) -> HttpResponse:
    _require_merchant(public_code)
    return _qr_response(
        qr.store_qr_png(public_code),
        "image/png",
        public_code,
        "png",
        request.GET.get("download") == "1",
    )


@require_safe
def store_poster(request: HttpRequest, public_code: str) -> HttpResponse:
    data = selectors.store_page(public_code=public_code)
    return render(request, "storefront/poster.html", {"store": data})


# Public search


@require_safe
def store_search(request: HttpRequest) -> HttpResponse:
    form = StoreSearchForm(request.GET or None)
    page = None
    if form.has_filters() and form.is_valid():
        paginator = Paginator(
            selectors.store_search(**form.search_kwargs()), selectors.SEARCH_PAGE_SIZE
        )
        page = paginator.get_page(request.GET.get("page"))
        page.rows = [selectors.store_search_row(m) for m in page.object_list]
        page.links = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    return render(
        request,
        "storefront/search.html",
        {"form": form, "page": page, "searched": form.has_filters()},
    )


@require_safe
def station_public_list(request: HttpRequest) -> HttpResponse:
    """The village liaison stations where consumers find help, by county: public, no login."""
    form = PublicStationFilterForm(request.GET or None, counties=list(public_county_list()))
    county = form.cleaned_data["county"] if form.is_valid() else None
    stations = station_list_public(county_code=county.code if county else None)
    page = Paginator(stations, STATION_PAGE_SIZE).get_page(request.GET.get("page"))
    page.rows = [selectors.public_station_row(s) for s in page.object_list]
    return render(
        request, "storefront/stations.html", {"form": form, "page": page, "county": county}
    )
