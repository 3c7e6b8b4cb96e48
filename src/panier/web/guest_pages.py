"""The personal part of a cached catalog page for a guest with a session: the basket count."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import ngettext

from panier.cart.selectors import cart_item_count
from panier.cart.session import SESSION_KEY


def basket_count_text(session: dict, hub_id: int, language: str) -> str:
    """The navigation's count of the guest's basket at ``hub_id``, as the page template writes it."""
    token = (session.get(SESSION_KEY) or {}).get(str(hub_id))
    count = cart_item_count(hub=hub_id, token=token) if token else 0
    with translation.override(language):
        return "(%s)" % (ngettext("%(counter)s item", "%(counter)s items", count) % {"counter": count})  # noqa: UP031
