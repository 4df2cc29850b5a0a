"""The client's address, behind the office's reverse proxy or not (issue 16, item 15).

``X-Forwarded-For`` is believed only as far as it was written by a proxy we trust
(``settings.TRUSTED_PROXIES``: addresses or networks, default none). The chain is read from the
right: the direct peer (``REMOTE_ADDR``), then each hop the trusted proxies appended; the first
address that is not a trusted proxy is the client. A header sent by anybody else is ignored, so a
citizen cannot pick the address the rate limits and the login lockout count.

One function, used by the rate limits (``RATELIMIT_IP_META_KEY``), django-axes
(``AXES_CLIENT_IP_CALLABLE``), the public uploads' daily cap and the audit trail."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request) -> str:
    """The client's address as a string (never empty: "0.0.0.0" when the peer is unknown)."""
    peer = _parse(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return "0.0.0.0"
    networks = trusted_networks()
    if not networks:
        return str(peer)
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    current = peer
    while any(current in net for net in networks) and hops:
        previous = _parse(hops.pop())
        if previous is None:  # garbage to the left of what our proxy wrote: the proxy saw this peer
            break
        current = previous
    return str(current)
