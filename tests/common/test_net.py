"""The client's address through the configured trusted proxies (common/net.py), and the public
API throttle, which counts by the same rule (issue 14, finding 6)."""

import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.settings import api_settings

from common.net import client_ip
from tests.conftest import api

pytestmark = pytest.mark.django_db


def _request(remote: str = "10.0.0.1", forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="203.0.113.9")) == "10.0.0.1"
    assert client_ip(_request()) == "10.0.0.1"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.1.1.1, 203.0.113.9", "203.0.113.9"),  # what the client prepended is ignored
        (2, "1.1.1.1, 203.0.113.9, 172.18.0.5", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),  # fewer hops than proxies: the leftmost
        (1, "not-an-address", "10.0.0.1"),  # junk: the socket's address
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_trusted_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_drf_counts_proxies_like_the_intake():
    assert api_settings.NUM_PROXIES == 0


def test_a_rotating_forwarded_for_does_not_dodge_the_public_throttle(merchant, monkeypatch):
    """The attack: 1,400 requests with a rotating X-Forwarded-For, all 200. Now the third 429s."""
    from storefront.api import PublicThrottle

    cache.clear()
    monkeypatch.setattr(PublicThrottle, "rate", "2/minute")
    url = f"/api/v1/public/merchants/{merchant.public_code}/"
    client = api()
    codes = [client.get(url, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(4)]
    cache.clear()
    assert codes == [200, 200, 429, 429]


def test_behind_a_trusted_proxy_the_throttle_counts_each_client(merchant, monkeypatch, settings):
    from storefront.api import PublicThrottle

    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    monkeypatch.setattr(PublicThrottle, "rate", "1/minute")
    url = f"/api/v1/public/merchants/{merchant.public_code}/"
    client = api()

    def get(forwarded: str) -> int:
        return client.get(url, REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    codes = [get("198.51.100.1"), get("198.51.100.2"), get("9.9.9.9, 198.51.100.1")]
    cache.clear()
    assert codes == [200, 200, 429]


def _settings_with(env: dict[str, str]) -> str:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from django.conf import settings;"
        "from rest_framework.settings import api_settings;"
        "print(settings.SECURE_PROXY_SSL_HEADER, api_settings.NUM_PROXIES)"
    )
    import os

    return subprocess.run(
        [sys.executable, "-c", code],
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_forwarded_proto_is_trusted_only_behind_a_configured_proxy():
    assert _settings_with({"TRUSTED_PROXY_COUNT": "0"}) == "None 0"
    assert _settings_with({"TRUSTED_PROXY_COUNT": "1"}) == "('HTTP_X_FORWARDED_PROTO', 'https') 1"
