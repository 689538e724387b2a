"""A store's public address and the QR code that carries it (一店一码)."""

import io

import segno
from django.conf import settings
from django.urls import reverse


def store_path(public_code: str) -> str:
    return reverse("store-page", args=[public_code])


def store_public_url(public_code: str) -> str:
    """The address the QR code carries: the platform's public site, not the request's host."""
    return settings.SITE_URL.rstrip("/") + store_path(public_code)


def store_qr(public_code: str) -> segno.QRCode:
    # Level M survives a scuffed or partly covered print and keeps the code small.
    return segno.make_qr(store_public_url(public_code), error="m")


def store_qr_svg(public_code: str) -> bytes:
    buffer = io.BytesIO()
    store_qr(public_code).save(
        buffer, kind="svg", scale=8, border=4, xmldecl=True, title=store_public_url(public_code)
    )
    return buffer.getvalue()


def store_qr_png(public_code: str) -> bytes:
    buffer = io.BytesIO()
    store_qr(public_code).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
