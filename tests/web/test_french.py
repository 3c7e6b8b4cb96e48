"""The shop speaks French by default and English under /en/, from a complete catalogue."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from panier.cart.services import cart_add, cart_create
from panier.cart.session import SESSION_KEY
from tests import factories
from tests.orders.test_shop_views import paid_order

LOCALE = Path(__file__).resolve().parents[2] / "src" / "panier" / "locale" / "fr" / "LC_MESSAGES"


def url(language, name, **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def basket_in_session(client, shop):
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=shop.variant(0).pk, quantity=2)
    session = client.session
    session[SESSION_KEY] = {str(shop.hub.pk): str(cart.token)}
    factories.save_session(client, session)


def details(shop):
    return {
        "fulfilment": "delivery",
        "address_line1": "5 rue Rossini",
        "address_line2": "",
        "postal_code": "06000",
        "city": "Nice",
        "delivery_notes": "",
        "slot": str(shop.delivery_slot.pk),
        "email": "alice@example.org",
        "first_name": "Alice",
        "last_name": "Durand",
        "phone": "06 12 34 56 78",
    }


def test_order_button_is_french_at_the_root_and_english_under_en(client, shop):
    """The recap's order button carries the wording the French consumer code requires."""
    basket_in_session(client, shop)
    slug = shop.hub.slug

    started = client.post(url("fr", "checkout:start", hub_slug=slug), details(shop))
    french = client.get(url("fr", "checkout:review", hub_slug=slug)).content.decode()
    english = client.get(url("en", "checkout:review", hub_slug=slug)).content.decode()

    assert started.status_code == 302
    assert not url("fr", "checkout:review", hub_slug=slug).startswith("/en/")
    assert "Commander avec obligation de paiement" in french
    assert "Vérifiez votre commande" in french
    assert "Order with obligation to pay" not in french
    assert "Order with obligation to pay" in english
    assert "Commander avec obligation de paiement" not in english


def test_shop_pages_and_withdrawal_link_are_french_by_default(client, shop):
    """The hub home and the footer's withdrawal function read in French, in English under /en/."""
    french = client.get(f"/{shop.hub.slug}/").content.decode()
    english = client.get(f"/en/{shop.hub.slug}/").content.decode()

    assert "Renoncer au contrat ici" in french
    assert "Ajouter au panier" in french
    assert "Mentions légales" in french
    assert "Conditions générales de vente" in french or "CGV" in french
    assert "Withdraw from the contract here" in english
    assert "Add to basket" in english
    assert "Legal notice" in english
    assert "Withdraw from the contract here" not in french


def test_withdrawal_form_page_is_french_by_default(client, shop):
    """The online withdrawal function's page is titled in French at its default URL."""
    french = client.get(url("fr", "orders:withdraw")).content.decode()
    english = client.get(url("en", "orders:withdraw")).content.decode()

    assert "<h1>Renoncer au contrat</h1>" in french
    assert "<h1>Withdraw from the contract</h1>" in english


def test_compiled_catalogue_translates_the_legally_required_wordings():
    """The committed .mo gives the exact French labels of the order and withdrawal buttons."""
    with (LOCALE / "django.mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)

    assert catalogue.gettext("Order with obligation to pay") == "Commander avec obligation de paiement"
    assert catalogue.gettext("Withdraw from the contract here") == "Renoncer au contrat ici"
    assert catalogue.gettext("Confirm withdrawal") == "Confirmer la rétractation"
    assert catalogue.gettext("Your basket") == "Votre panier"
    assert catalogue.ngettext("%(counter)s item", "%(counter)s items", 1) == "%(counter)s article"
    assert catalogue.ngettext("%(counter)s item", "%(counter)s items", 3) == "%(counter)s articles"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt")
def test_french_catalogue_is_complete_and_its_mo_is_up_to_date(tmp_path):
    """Every message is translated, none is fuzzy, and the committed .mo matches the .po."""
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        [shutil.which("msgfmt"), "--check", "--statistics", "-o", str(compiled), str(LOCALE / "django.po")],
        capture_output=True, text=True, check=True,
        env={"LC_ALL": "C"},
    )
    with compiled.open("rb") as fresh, (LOCALE / "django.mo").open("rb") as committed:
        fresh_catalogue = gettext.GNUTranslations(fresh)._catalog
        committed_catalogue = gettext.GNUTranslations(committed)._catalog

    assert "translated messages" in result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    assert committed_catalogue == fresh_catalogue


def test_withdrawal_confirmation_and_receipt_are_french_for_a_french_order(
    client, shop, django_capture_on_commit_callbacks
):
    """The separate confirm step says "Confirmer la rétractation"; the receipt e-mail is in French."""
    order = paid_order(shop, language="fr")

    asked = client.post(
        url("fr", "orders:withdraw"), {"name": "Alice Durand", "number": order.number, "email": "alice@example.org"}
    )
    confirm_page = client.get(asked["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(asked["Location"])

    assert not asked["Location"].startswith("/en/")
    assert '<button type="submit">Confirmer la rétractation</button>' in confirm_page
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.subject.startswith("Accusé de réception de votre rétractation de la commande")
    assert "Je soussigné(e), Alice Durand, vous notifie par la présente ma rétractation" in receipt.body
