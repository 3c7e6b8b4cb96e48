"""Pages load nothing from other origins and run no inline script.

With only first-party resources and strictly necessary cookies, the shop
sets no tracker and needs no consent banner (README, "Privacy and
security"); these tests keep it that way as templates change.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

# Attributes that make a browser fetch something as the page loads.
RESOURCE_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
LOADED_LINK_RELS = {"stylesheet", "icon", "preload", "prefetch", "preconnect", "dns-prefetch", "manifest",
                    "modulepreload", "apple-touch-icon"}


class ResourceParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.resources: list[str] = []
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.style_blocks = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in RESOURCE_ATTRIBUTES.get(tag, ()):
            if values.get(name):
                self.resources.extend(part.strip().split(" ")[0] for part in values[name].split(","))
        if tag == "link" and set((values.get("rel") or "").lower().split()) & LOADED_LINK_RELS:
            self.resources.append(values.get("href") or "")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.resources.append((values.get("content") or "").partition("url=")[2])
        self.handlers.extend(f"{tag}[{name}]" for name, _ in attrs if name.startswith("on"))
        self.handlers.extend(f"{tag}[{name}]" for name, v in attrs if (v or "").lower().startswith("javascript:"))
        if tag == "script":
            self._in_script = not values.get("src")
        if tag == "style":
            self.style_blocks += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data.strip()[:80])


def _external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "data")


def _pages(shop, client):
    """Every kind of page: shop front, account, producer, operator, driver, admin."""
    hub = shop.hub.slug
    order = factories.placed_order(shop, [(0, 1)])
    product = shop.products[0]
    public = [
        reverse("catalog:hub_home", kwargs={"hub_slug": hub}),
        reverse("catalog:product_list", kwargs={"hub_slug": hub}),
        reverse("catalog:product", kwargs={"hub_slug": hub, "slug": product.slug}),
        reverse("catalog:producer_list", kwargs={"hub_slug": hub}),
        reverse("catalog:search", kwargs={"hub_slug": hub}) + "?q=miel",
        reverse("cart:detail", kwargs={"hub_slug": hub}),
        reverse("legal:terms", kwargs={"hub_slug": hub}),
        reverse("legal:privacy", kwargs={"hub_slug": hub}),
        reverse("accounts:login"),
        reverse("accounts:signup"),
        "/en/" + hub + "/products/",
    ]
    producer = [
        reverse("producer:dashboard", kwargs={"producer_id": shop.producers[0].pk}),
        reverse("producer:product_edit", kwargs={"producer_id": shop.producers[0].pk, "product_id": product.pk}),
        reverse("producer:collection", kwargs={"producer_id": shop.producers[0].pk}),
    ]
    operator = [
        reverse("operator:board", kwargs={"hub_slug": hub}),
        reverse("operator:order_detail", kwargs={"hub_slug": hub, "number": order.number}),
        reverse("packing:day", kwargs={"hub_slug": hub}),
    ]
    admin = ["/admin/", "/admin/orders/order/", f"/admin/orders/order/{order.pk}/change/"]
    yield from ((None, url) for url in public)
    yield from ((shop.producer_user, url) for url in producer)
    yield from ((shop.operator, url) for url in operator)
    superuser = factories.user(is_staff=True, is_superuser=True)
    yield from ((superuser, url) for url in admin)


def test_pages_load_nothing_from_other_origins(client, shop):
    """No page references a script, style, image, font, frame or media file
    on another origin, and none carries an inline script or event handler."""
    checked = 0

    for user, url in _pages(shop, client):
        client.logout()
        if user is not None:
            factories.login_staff(client, user)
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        parser = ResourceParser()
        parser.feed(response.content.decode())

        assert [r for r in parser.resources if _external(r)] == [], url
        assert parser.inline_scripts == [], url
        assert parser.handlers == [], url
        checked += 1

    assert checked == 20


def test_stylesheets_import_nothing_from_other_origins():
    """The site's stylesheet pulls no web font or image from elsewhere."""
    css = Path(finders.find("web/panier.css")).read_text(encoding="utf-8")

    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css) + re.findall(r"@import\s+['\"]([^'\"]+)", css)

    assert [u for u in urls if _external(u)] == []


def test_parser_sees_external_resources():
    """The checks above can fail: a planted tracker and inline script are found."""
    parser = ResourceParser()

    parser.feed(
        '<script src="https://tracker.example/t.js"></script><script>track()</script>'
        '<img srcset="/a.png 1x, //cdn.example/b.png 2x"><link rel="stylesheet" href="https://fonts.example/css">'
        '<button onclick="x()">'
    )

    assert [r for r in parser.resources if _external(r)] == [
        "https://tracker.example/t.js", "//cdn.example/b.png", "https://fonts.example/css",
    ]
    assert parser.inline_scripts == ["track()"]
    assert parser.handlers == ["button[onclick]"]
