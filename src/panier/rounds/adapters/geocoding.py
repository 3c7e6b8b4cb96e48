"""Geocoders live in the delivery app (checkout uses them too); kept here under their old names."""

from panier.delivery.adapters.geocoding import (
    MIN_SCORE,
    BanGeocoder,
    Geocoder,
    NoGeocoder,
    geocoder_get,
)

__all__ = ["MIN_SCORE", "BanGeocoder", "Geocoder", "NoGeocoder", "geocoder_get"]
