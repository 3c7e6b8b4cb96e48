"""Panier: online commerce for local producers, run by regional hubs."""

__version__ = "0.1.0"
