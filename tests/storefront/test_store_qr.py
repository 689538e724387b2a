"""The store's QR code (SVG and PNG) and its A5 poster."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from merchants.models import Declaration
from tests.conftest import client_for
from tests.factories import DeclarationFactory, scheme

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://assured.example.gov.cn/"
    cache.clear()


def public_url(merchant) -> str:
    return f"https://assured.example.gov.cn/s/{merchant.public_code}/"


def decode(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def rasterise_segno_svg(svg: bytes) -> Image.Image:
    """Draw segno's one-path SVG (rows of horizontal strokes, in modules) onto a bitmap, so
    that the decoder reads the SVG itself rather than a PNG made alongside it."""
    root = ET.fromstring(svg)
    path = root.find(f"{SVG}path")
    scale = int(re.fullmatch(r"scale\((\d+)\)", path.get("transform")).group(1))
    size = int(root.get("width")) // scale
    image = Image.new("L", (size, size), 255)
    x = y = 0.0
    for command, *args in re.findall(r"([MmHhVv])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?", path.get("d")):
        a = float(args[0])
        b = float(args[1]) if args[1] else 0.0
        if command == "M":
            x, y = a, b
        elif command == "m":
            x, y = x + a, y + b
        elif command in "hH":
            end = x + a if command == "h" else a
            for column in range(int(x), int(end)):
                image.putpixel((column, int(y)), 0)
            x = end
        elif command == "v":
            y += a
        elif command == "V":
            y = a
    return image.resize((size * scale, size * scale), Image.Resampling.NEAREST)


def test_png_decodes_to_the_public_url(merchant):
    response = client_for(None).get(reverse("store-qr-png", args=[merchant.public_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    image = Image.open(io.BytesIO(response.content))
    assert image.size[0] >= 250  # big enough to print and scan
    assert decode(image) == [public_url(merchant)]


def test_svg_decodes_to_the_public_url(merchant):
    response = client_for(None).get(reverse("store-qr-svg", args=[merchant.public_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == root.get("height")
    assert root.find(f"{SVG}title").text == public_url(merchant)
    assert decode(rasterise_segno_svg(response.content)) == [public_url(merchant)]


def test_download_links_name_the_file(merchant):
    code = merchant.public_code
    for name, ext in (("store-qr-png", "png"), ("store-qr-svg", "svg")):
        response = client_for(None).get(reverse(name, args=[code]), {"download": "1"})
        assert response["Content-Disposition"] == f'attachment; filename="store-{code}.{ext}"'


def test_qr_for_unknown_code_is_404(db):
    for name in ("store-qr-png", "store-qr-svg", "store-poster"):
        assert client_for(None).get(reverse(name, args=["unknown-code"])).status_code == 404


def test_qr_accepts_only_reads(merchant):
    response = client_for(None).post(reverse("store-qr-png", args=[merchant.public_code]))
    assert response.status_code == 405


def test_poster_carries_qr_name_badge_and_call_to_scan(merchant):
    DeclarationFactory(
        merchant=merchant,
        scheme=scheme("no-reason-return"),
        state=Declaration.State.APPROVED,
        decided_at=timezone.now(),
    )
    DeclarationFactory(merchant=merchant, scheme=scheme("assured-unit"))  # a draft
    response = client_for(None).get(reverse("store-poster", args=[merchant.public_code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert merchant.name in html
    assert reverse("store-qr-svg", args=[merchant.public_code]) in html
    assert "Scan to see licences, supervision record and to complain" in html
    assert "No-reason-return commitment unit" in html
    assert "Assured consumption unit" not in html
    assert public_url(merchant) in html
    assert "css/store-poster.css" in html


def test_poster_stylesheet_prints_on_a5():
    from django.contrib.staticfiles import finders

    with open(finders.find("css/store-poster.css"), encoding="utf-8") as file:
        css = file.read()
    assert re.search(r"@page\s*{[^}]*size:\s*A5", css)


def test_owner_sees_download_links_on_dashboard_and_merchant_page(merchant, owner):
    code = merchant.public_code
    expected = [
        reverse("store-page", args=[code]),
        reverse("store-poster", args=[code]),
        reverse("store-qr-svg", args=[code]) + "?download=1",
        reverse("store-qr-png", args=[code]) + "?download=1",
    ]
    client = client_for(owner)
    for url in (reverse("dashboard"), reverse("merchant-detail", args=[merchant.pk])):
        html = client.get(url).content.decode()
        for link in expected:
            assert f'href="{link}"' in html, (url, link)


def test_outsider_sees_no_download_links_for_someone_elses_merchant(merchant, other_owner):
    html = client_for(other_owner).get(reverse("dashboard")).content.decode()
    assert merchant.public_code not in html
    response = client_for(other_owner).get(reverse("merchant-detail", args=[merchant.pk]))
    assert response.status_code == 404
