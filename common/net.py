"""The client's address, as far as the deployment's proxies can vouch for it.

TRUSTED_PROXY_COUNT (settings) is how many reverse proxies stand in front of the application,
each appending the address it received from to X-Forwarded-For. With 0 (the default) the header
is ignored and the address is REMOTE_ADDR: a client cannot choose the address it is counted
under. With n > 0, the address is the n-th entry from the right of X-Forwarded-For — the one the
outermost trusted proxy saw — the same rule as DRF's throttles (NUM_PROXIES is set to the same
count), so the intake limits and the API throttle count the same client.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    address = address.strip()
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address; None when even REMOTE_ADDR is missing or not an address."""
    meta = request.META
    remote = _valid(meta.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR") or ""
    if proxies <= 0 or not forwarded.strip():
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    hop = hops[-min(proxies, len(hops))]
    return _valid(hop) or remote
