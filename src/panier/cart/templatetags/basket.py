"""Template tag for the basket link of the site navigation."""

from __future__ import annotations

from django import template

from panier.cart.selectors import cart_item_count
from panier.cart.session import COUNT_ATTRIBUTE, SESSION_KEY

register = template.Library()


@register.simple_tag(takes_context=True)
def basket_count(context) -> int:
    """Return the number of items in the current basket of ``current_hub``.

    At most one query (none for a visitor without a basket); the result is
    kept on the request for the other uses in the same page.
    """
    request = context.get("request")
    hub = context.get("current_hub")
    if request is None or hub is None:
        return 0
    cached = getattr(request, COUNT_ATTRIBUTE, None)
    if cached is not None and cached[0] == hub.pk:
        return cached[1]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        count = cart_item_count(hub=hub, user=user)
    else:
        token = request.session.get(SESSION_KEY, {}).get(str(hub.pk))
        count = cart_item_count(hub=hub, token=token) if token else 0
    setattr(request, COUNT_ATTRIBUTE, (hub.pk, count))
    return count
