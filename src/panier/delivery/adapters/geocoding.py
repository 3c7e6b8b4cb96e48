"""Geocoders: turn an address into coordinates.

The French national address API (``/search/?q=…``, GeoJSON answer) is the
one shipped. Checkout uses it to match polygon and radius zones, round
planning to place the stops; when it is not configured or not reachable,
checkout falls back to postal codes and the operator enters coordinates by
hand.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from django.conf import settings

from panier.delivery.errors import AddressNotFound, GeocoderUnavailable
from panier.delivery.rules import Point

MIN_SCORE = 0.5  # below this the API's best match is usually another street


class Geocoder(Protocol):
    name: str

    def locate(self, *, address: str, postal_code: str, city: str) -> Point: ...


class NoGeocoder:
    name = "none"

    def locate(self, *, address: str, postal_code: str, city: str) -> Point:
        raise GeocoderUnavailable()


class BanGeocoder:
    """api-adresse.data.gouv.fr, or any server answering like it."""

    name = "ban"

    def __init__(self, base_url: str, *, timeout_s: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def locate(self, *, address: str, postal_code: str, city: str) -> Point:
        query = urllib.parse.urlencode({"q": f"{address} {city}".strip(), "postcode": postal_code, "limit": 1})
        url = f"{self.base_url}/search/?{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:  # noqa: S310 (configured URL)
                body = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise GeocoderUnavailable() from exc
        features = body.get("features") if isinstance(body, dict) else None
        if not features:
            raise AddressNotFound()
        best = features[0]
        if float(best.get("properties", {}).get("score", 0)) < MIN_SCORE:
            raise AddressNotFound()
        try:
            lon, lat = best["geometry"]["coordinates"][:2]
            return Point(float(lat), float(lon))
        except (KeyError, TypeError, ValueError) as exc:
            raise GeocoderUnavailable() from exc


def geocoder_get(*, timeout_s: float | None = None) -> Geocoder:
    """Return the configured geocoder (``PANIER_GEOCODER_URL``), or one that is never available."""
    if settings.PANIER_GEOCODER_URL:
        if timeout_s is None:
            timeout_s = settings.PANIER_ROUNDS_HTTP_TIMEOUT_S
        return BanGeocoder(settings.PANIER_GEOCODER_URL, timeout_s=timeout_s)
    return NoGeocoder()
