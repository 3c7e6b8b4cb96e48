"""``{% fragment %}``: keep the HTML of a part of a page that every visitor sees the same.

The checkout's first step shows two dozen form fields (labels, inputs, a
select of the 27 EU countries). For a visitor with nothing to prefill
they read the same for everyone at a hub in a language, yet rendering
them was half of the page's CPU. Wrapped in ``{% fragment %}``::

    {% fragment "checkout-contact" hub.pk hub.slug hub.country if pristine %}
      ...
    {% endfragment %}

the part is rendered once per process for each set of the listed values
(plus the page's language, script prefix and URL configuration, which
every translated text and URL depends on) and served from memory after
that. When the ``if`` condition is false the part is rendered as usual.

The cached HTML is what the first rendering produced, byte for byte; it
is only right if the part depends on nothing but the listed values. Keep
anything that belongs to one visitor out of it: the CSRF token (a part
that writes one is refused when the template is loaded, or never kept if
it comes from an included template), the user, the basket, messages.
Nothing here is shared between processes: the HTML changes only with a
deployment, which starts new processes.
"""

from __future__ import annotations

import threading

from django import template
from django.conf import settings
from django.template.base import Node, NodeList
from django.template.defaulttags import CsrfTokenNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

#: Kept fragments; the oldest goes when the store is full (a few hubs ×
#: languages × parts fit many times over).
MAX_KEPT = 512
_kept: dict[tuple, SafeString] = {}
_lock = threading.Lock()
#: Renderings served from memory, and rendered (for tests and benches).
stats = {"kept": 0, "rendered": 0}

#: What a CSRF token looks like in HTML: such a fragment is never kept.
_CSRF_MARK = 'name="csrfmiddlewaretoken"'


def forget() -> None:
    """Drop every kept fragment (tests; a deployment starts new processes anyway)."""
    with _lock:
        _kept.clear()
    stats.update(kept=0, rendered=0)


def _keep(key: tuple, html: SafeString) -> None:
    with _lock:
        if key not in _kept and len(_kept) >= MAX_KEPT:
            _kept.pop(next(iter(_kept)), None)
        _kept[key] = html


class FragmentNode(Node):
    def __init__(self, nodelist: NodeList, name: str, vary: list, condition) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary = vary
        self.condition = condition

    def render(self, context) -> SafeString:
        if self.condition is not None and not self.condition.resolve(context, ignore_failures=True):
            return self.nodelist.render(context)
        key = (
            self.name,
            tuple(value.resolve(context) for value in self.vary),
            get_language(),
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
        )
        html = _kept.get(key)
        if html is not None:
            stats["kept"] += 1
            return html
        stats["rendered"] += 1
        html = mark_safe(self.nodelist.render(context))  # noqa: S308 - the template's own rendering
        if _CSRF_MARK not in html:
            _keep(key, html)
        return html


@register.tag
def fragment(parser, token) -> FragmentNode:
    """``{% fragment "name" value… [if condition] %}…{% endfragment %}``."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'fragment' needs a name")
    condition = None
    if "if" in bits:
        at = bits.index("if")
        if at != len(bits) - 2:
            raise template.TemplateSyntaxError("'fragment' takes one condition, last: … if condition %}")
        condition = parser.compile_filter(bits[-1])
        bits = bits[:at]
    name = bits[1].strip("\"'")
    vary = [parser.compile_filter(bit) for bit in bits[2:]]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(CsrfTokenNode):
        raise template.TemplateSyntaxError(f"fragment {name!r} writes a CSRF token, which belongs to one visitor")
    return FragmentNode(nodelist, name, vary, condition)
