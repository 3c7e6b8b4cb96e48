"""Pluggable parts of round planning: solvers, travel-time sources, geocoders.

Each follows a small protocol (see ``panier.rounds.routing`` and
``geocoding``) so another engine can be dropped in by configuration.
"""
