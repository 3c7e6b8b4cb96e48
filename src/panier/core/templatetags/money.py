"""Template filters for money: the only place amounts are formatted.

Amounts are formatted as Babel's ``format_currency`` does, but Babel
parses the locale's pattern and looks up its symbols on every call, which
made prices the most expensive part of a catalogue page. The pattern of
each locale and currency is therefore read once from Babel (prefixes and
suffixes with the currency symbol already in place, group and decimal
separators, group sizes) and integer cents are laid out with plain string
operations. A currency whose pattern this shortcut does not cover (no two
decimals, significant digits, scientific notation) goes through Babel.
Tests compare both for many amounts.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple

from babel import Locale
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from django import template
from django.utils.translation import get_language

register = template.Library()


class _Layout(NamedTuple):
    prefixes: tuple[str, str]
    suffixes: tuple[str, str]
    group: str
    decimal: str
    first_group: int
    other_groups: int


_layouts: dict[tuple[str, str], _Layout | None] = {}


def _literal(text: str, currency: str, locale: Locale) -> str:
    text = text.replace("¤", get_currency_symbol(currency, locale))
    return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", text)


def _layout(locale_name: str, currency: str) -> _Layout | None:
    """Return how ``locale_name`` lays out ``currency``, or None to use Babel."""
    key = (locale_name, currency)
    if key in _layouts:
        return _layouts[key]
    locale = Locale.parse(locale_name)
    pattern = locale.currency_formats["standard"]
    affixes = "".join(pattern.prefix + pattern.suffix)
    layout = None
    if (
        get_currency_precision(currency) == 2
        and pattern.scale == 0
        and not pattern.exp_prec
        and "@" not in pattern.pattern
        and "¤¤" not in affixes
        and pattern.int_prec[0] <= 1
        and min(pattern.grouping) > 0
    ):
        layout = _Layout(
            prefixes=(_literal(pattern.prefix[0], currency, locale), _literal(pattern.prefix[1], currency, locale)),
            suffixes=(_literal(pattern.suffix[0], currency, locale), _literal(pattern.suffix[1], currency, locale)),
            group=get_group_symbol(locale),
            decimal=get_decimal_symbol(locale),
            first_group=pattern.grouping[0],
            other_groups=pattern.grouping[1],
        )
    _layouts[key] = layout
    return layout


def _locale_name() -> str:
    return "fr_FR" if (get_language() or "fr").startswith("fr") else "en_GB"


def format_cents_in(cents: int, currency: str, locale_name: str) -> str:
    """Format integer cents in a Babel locale, exactly as ``format_currency`` does."""
    layout = _layout(locale_name, currency)
    if layout is None:
        return format_currency(Decimal(cents) / 100, currency, locale=locale_name)
    negative = cents < 0
    units, hundredths = divmod(-cents if negative else cents, 100)
    digits = str(units)
    size = layout.first_group
    groups = ""
    while len(digits) > size:
        groups = layout.group + digits[-size:] + groups
        digits = digits[:-size]
        size = layout.other_groups
    return (
        f"{layout.prefixes[negative]}{digits}{groups}{layout.decimal}"
        f"{hundredths:02d}{layout.suffixes[negative]}"
    )


def format_cents(cents: int | None, currency: str = "EUR") -> str:
    if cents is None:
        return ""
    if not isinstance(cents, int):
        return format_currency(Decimal(cents) / 100, currency, locale=_locale_name())
    return format_cents_in(cents, currency, _locale_name())


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    """Format integer cents as a localised amount, e.g. 1250 -> "12,50 €"."""
    return format_cents(cents, currency)


@register.filter
def rate(bp: int | None) -> str:
    """Format a rate in basis points as a percentage, e.g. 550 -> "5,5 %"."""
    if bp is None:
        return ""
    value = (Decimal(bp) / 100).normalize()
    text = format(value, "f")
    if (get_language() or "fr").startswith("fr"):
        return text.replace(".", ",") + "\u00a0%"
    return text + "%"
