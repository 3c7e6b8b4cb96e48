"""The site header's account links and the footer are kept per hub and language, and stay right.

``web/base.html`` wraps the footer and a guest's account links in
``{% fragment %}``: rendered once per process for each hub (the footer's
key lists every hub field it shows) and language, then served from
memory. A logged-in visitor's links are always rendered.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from panier.core.templatetags import fragments
from tests import factories

pytestmark = pytest.mark.django_db


def _page(client, shop, language="fr") -> str:
    with translation.override(language):
        path = reverse("legal:terms", kwargs={"hub_slug": shop.hub.slug})
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _footer(page: str) -> str:
    return page.split('<footer class="site-footer wrap">', 1)[1].split("</footer>", 1)[0]


def test_a_kept_footer_and_account_links_read_as_the_first_rendering(client, shop):
    first = _page(client, shop)
    kept_before = fragments.stats["kept"]
    second = _page(client, shop)

    assert fragments.stats["kept"] >= kept_before + 2  # the footer and the guest's links
    assert second == first
    assert shop.hub.legal_name in _footer(second)
    assert "Se connecter" in second or "Log in" in second


def test_the_footer_follows_the_hub_and_the_language(client, shop):
    french = _footer(_page(client, shop))
    english = _footer(_page(client, shop, "en"))
    other = factories.make_shop(slug="antibes", name="Antibes", legal_name="Épicerie d'Antibes SAS")
    elsewhere = _footer(_page(client, other))

    assert french != english
    assert f"/{shop.hub.slug}/legal/" in french
    assert f"/en/{shop.hub.slug}/legal/" in english
    assert "Épicerie d&#x27;Antibes SAS" in elsewhere or "Épicerie d'Antibes SAS" in elsewhere
    assert f"/{shop.hub.slug}/legal/" not in elsewhere

    shop.hub.address = "12 quai des Docks"
    shop.hub.email = "bonjour@example.org"
    shop.hub.save()
    changed = _footer(_page(client, shop))
    assert "12 quai des Docks" in changed
    assert "bonjour@example.org" in changed


def test_a_logged_in_visitor_gets_their_own_account_links(client, shop):
    guest = _page(client, shop)
    client.force_login(factories.user(email="camille@example.org"))
    member = _page(client, shop)
    client.logout()
    guest_again = _page(client, shop)

    orders = reverse("accounts:orders")
    assert f'href="{orders}"' in member
    assert f'href="{orders}"' not in guest
    assert guest_again == guest
