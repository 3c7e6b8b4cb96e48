from decimal import Decimal

import pytest
from babel.numbers import format_currency
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from panier.core.templatetags.money import format_cents, format_cents_in, money

LOCALES = ["fr_FR", "en_GB", "de_CH", "en_IN", "nl_NL", "ar_EG"]
CURRENCIES = ["EUR", "GBP", "CHF", "USD", "JPY", "INR"]


def babel(cents, currency, locale):
    return format_currency(Decimal(cents) / 100, currency, locale=locale)


@given(st.integers(-(10**14), 10**14), st.sampled_from(["fr_FR", "en_GB"]))
def test_euros_are_formatted_exactly_as_babel_does(cents, locale):
    """For any amount, in French and English, the output is Babel's, character for character."""
    assert format_cents_in(cents, "EUR", locale) == babel(cents, "EUR", locale)


@given(st.integers(-(10**9), 10**9), st.sampled_from(LOCALES), st.sampled_from(CURRENCIES))
def test_other_locales_and_currencies_match_babel(cents, locale, currency):
    """Other group sizes (en_IN), signs, symbols and currencies without cents (JPY) match Babel."""
    assert format_cents_in(cents, currency, locale) == babel(cents, currency, locale)


@pytest.mark.parametrize("cents", [0, 1, 5, 99, 100, 999_99, 1000_00, 1_234_567_89, -1, -1250])
def test_edges_match_babel(cents):
    """Zero, single cents, group boundaries and negatives match Babel."""
    for locale in ("fr_FR", "en_GB"):
        assert format_cents_in(cents, "EUR", locale) == babel(cents, "EUR", locale)


def test_filter_follows_the_active_language():
    """French puts the symbol after the amount with a non-breaking space; English before it."""
    with translation.override("fr"):
        assert money(123456) == "1\u202f234,56\u00a0€"
        assert format_cents(None) == ""
    with translation.override("en"):
        assert money(123456) == "€1,234.56"
        assert money(-5, "GBP") == "-£0.05"
