"""The client's address: what the sign-in lockout, the lookup limits, the complaint form and
the audit log key on.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only from the
proxies named in TRUSTED_PROXIES (addresses or networks). Reading the header from the right,
each hop a trusted proxy appended is skipped; the first address not of a trusted proxy is the
client. With no trusted proxy configured (gunicorn reached directly), the header is ignored and
the connection's address is the client, whatever the header says.
"""

import ipaddress

from django.conf import settings


def trusted_networks() -> list:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    networks = trusted_networks()
    if not _trusted(_address(remote), networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: nothing to its left can be believed
        if not _trusted(address, networks):
            return str(address)
    return remote  # only trusted proxies (or nothing readable): the nearest proxy stands in


def client_address_or_none(request) -> str | None:
    """For django-axes, which stores the address in an inet column: no address is NULL."""
    return client_address(request) or None
