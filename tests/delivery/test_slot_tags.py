"""Slot windows written in Python read exactly as the template filters wrote them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from panier.delivery.templatetags.slots import slot_choices, slot_window

# The window as the template wrote it before it moved to Python.
TEMPLATE = Template(
    "{% load tz %}{% timezone hub.timezone %}<time datetime=\"{{ slot.starts_at|date:'c' }}\">"
    '{{ slot.starts_at|date:"l j F Y" }}, {{ slot.starts_at|time:"H:i" }}–{{ slot.ends_at|time:"H:i" }}</time>'
    "{% endtimezone %}"
)


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    hours=st.integers(min_value=1, max_value=12),
    tz=st.sampled_from(["Europe/Paris", "Europe/Lisbon", "America/Cayenne", "Indian/Reunion", "UTC"]),
    language=st.sampled_from(["fr", "en"]),
)
def test_window_reads_as_the_template_wrote_it(start, hours, tz, language):
    starts_at = start.replace(tzinfo=UTC, microsecond=0)
    slot = SimpleNamespace(pk=7, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), remaining=2)
    hub = SimpleNamespace(timezone=tz)
    with translation.override(language):
        assert slot_window(slot, hub) == TEMPLATE.render(Context({"slot": slot, "hub": hub}))


@pytest.mark.parametrize(("language", "remaining", "text"), [
    ("fr", 1, "1 place restante"), ("fr", 3, "3 places restantes"), ("en", 1, "1 place left"), ("en", 5, "5 places left"),
])
def test_choice_says_the_places_left_and_keeps_the_choice(language, remaining, text):
    starts_at = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    slot = SimpleNamespace(pk=12, starts_at=starts_at, ends_at=starts_at + timedelta(hours=3), remaining=remaining)
    hub = SimpleNamespace(timezone="Europe/Paris")
    with translation.override(language):
        chosen, other = slot_choices([slot], hub, "12"), slot_choices([slot], hub, "13")
    assert text in chosen
    assert 'name="slot" id="slot-12" value="12" checked>' in chosen
    assert " checked" not in other
    assert ("Mardi 3 mars 2026, 09:00–12:00" if language == "fr" else "Tuesday 3 March 2026, 09:00–12:00") in chosen
