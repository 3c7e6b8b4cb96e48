"""Slot windows and slot choices, written in Python.

The checkout page lists every open slot (two dozen at a small hub); as
template includes, each slot's dates cost more than the rest of the page.
A slot's window reads the same for every visitor in a language, so its
text is built once per process and language and then reused; so is a
whole choice, keyed by everything it shows (the places left included),
so a count that moved simply gives another entry.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext

register = template.Library()


@lru_cache(maxsize=4096)
def _window(starts_at: datetime, ends_at: datetime, tz: str, language: str | None) -> SafeString:
    # The language is part of the key: day and month names are translated.
    zone = ZoneInfo(tz)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return format_html(
        '<time datetime="{}">{}, {}–{}</time>',
        dateformat.format(start, "c"),
        dateformat.format(start, "l j F Y"),
        dateformat.time_format(start, "H:i"),
        dateformat.time_format(end, "H:i"),
    )


def slot_window_html(slot, hub) -> SafeString:
    """``<time>`` element of a slot's window in the hub's time zone, e.g. "Mardi 3 mars 2026, 09:00–12:00"."""
    return _window(slot.starts_at, slot.ends_at, hub.timezone, get_language())


@register.simple_tag
def slot_window(slot, hub) -> SafeString:
    return slot_window_html(slot, hub)


@lru_cache(maxsize=8192)
def _choice(
    pk: int, starts_at: datetime, ends_at: datetime, remaining: int, tz: str, language: str | None, checked: bool
) -> SafeString:
    places = ngettext("%(counter)s place left", "%(counter)s places left", remaining) % {"counter": remaining}
    return format_html(
        '<li><input type="radio" name="slot" id="slot-{}" value="{}"{}>\n'
        '<label for="slot-{}">{} <span class="muted">{}</span></label></li>',
        pk, pk, mark_safe(" checked") if checked else "",  # noqa: S308 - a constant
        pk, _window(starts_at, ends_at, tz, language), places,
    )


@register.simple_tag
def slot_choices(slots, hub, selected: str) -> SafeString:
    """The radio choices of a slot list, one per line (``selected`` is the chosen slot's id, or "")."""
    language, tz = get_language(), hub.timezone
    return mark_safe(  # noqa: S308 - joins choices built by format_html
        "\n".join(
            _choice(s.pk, s.starts_at, s.ends_at, s.remaining, tz, language, selected == str(s.pk)) for s in slots
        )
    )
