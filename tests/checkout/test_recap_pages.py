"""The recap and the thank-you page: kept parts give the page a fresh rendering gives.

Parts of both pages read the same for everyone at a hub in a language
(headings, the customer's rights, the order form before anything is
ticked, table headers) and are kept by ``{% fragment %}``. Each page here
is rendered with nothing kept, then again with those parts served from
memory, and both must match byte for byte (but for the CSRF token and the
tokens and keys drawn at random). Fixed expectations pin the parts that
were moved or rewritten to the HTML the page gave before. A change to the
hub (name, legal name, slug, selling mode) shows on the very next page.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from panier.core.templatetags import fragments
from panier.hubs.models import Hub, SellingMode
from panier.orders.models import Order
from tests import factories
from tests.checkout.test_company import german_company, germany, vies  # noqa: F401 - fixtures
from tests.checkout.test_views import basket_in_session, hub_url, step1

RANDOM = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
    (re.compile(r"HUB\d+-[A-Z0-9]{8}"), "NUMBER"),
]


@pytest.fixture(autouse=True)
def _fixed_time():
    """Slots are made relative to now: a fixed instant gives the same pages on every run."""
    with time_machine.travel(datetime(2026, 3, 2, 8, 30, tzinfo=UTC), tick=False):
        yield


def text(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content.decode()[-2000:])
    page = response.content.decode()
    for pattern, repl in RANDOM:
        page = pattern.sub(repl, page)
    return page


def localized(path: str, language: str) -> str:
    return path if language == "en" else path.removeprefix("/en")


def dump(name: str, page: str) -> None:
    """Write a page under $PANIER_DUMP_PAGES (to compare renderings across versions by hand)."""
    folder = os.environ.get("PANIER_DUMP_PAGES")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"{name}.html").write_text(page)


def fresh_then_kept(client: Client, url: str, *, method: str = "get", data=None, status: int = 200) -> str:
    """The page with nothing kept, and again with the kept parts: both the same."""
    fragments.forget()
    cache.clear()
    first = text(getattr(client, method)(url, data), status)
    assert fragments.stats["kept"] == 0
    again = text(getattr(client, method)(url, data), status)
    assert fragments.stats["kept"] > 0
    assert again == first
    return first


def kept_names() -> set[str]:
    return {key[0] for key in fragments._kept}


RECAP_PARTS = {"checkout-review-head", "checkout-review-seller", "checkout-review-rights", "checkout-review-choices"}


def recap(client: Client, shop, language: str, data: dict | None = None) -> str:
    response = client.post(localized(hub_url(shop, "checkout:start"), language), data or step1(shop))
    assert response.status_code == 302, response.content.decode()[:3000]
    page = fresh_then_kept(client, localized(hub_url(shop, "checkout:review"), language))
    assert kept_names() >= RECAP_PARTS
    return page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_recap_of_a_guest_delivery(client, shop, language):
    basket_in_session(client, shop, (0, 2), (1, 1))

    page = recap(client, shop, language)

    dump(f"recap-delivery-{language}", page)
    assert ("Vos droits" if language == "fr" else "Your rights") in page


def test_recap_form_reads_as_before(client, shop, english):
    """The kept rights and form choices, around the visitor's own tokens, as the page always gave them."""
    basket_in_session(client, shop, (0, 2), (1, 1))

    page = recap(client, shop, "en")

    slug, gap = shop.hub.slug, "  "  # gap: a line left by a false {% if %}
    assert f"""<section aria-labelledby="recap-rights">
  <h2 id="recap-rights">Your rights</h2>
  <p>You may withdraw from this contract within 14 days of receiving the goods, without giving a reason, \
except for goods marked above as having no withdrawal right (perishable goods, art. L221-28 of the French \
Consumer Code). Goods are covered by the 2-year legal guarantee of conformity.</p>
  <p><a href="/en/{slug}/legal/terms/">Terms of sale</a> ·
     <a href="/en/{slug}/legal/withdrawal/">Withdrawal right and form</a></p>
</section>

<form method="post" action="/en/{slug}/checkout/review/" class="order-form">\
<input type="hidden" name="csrfmiddlewaretoken" value="">
  <input type="hidden" name="checkout_token" value="UUID">
{gap}
  <p class="choice"><input type="checkbox" name="accepted_terms" required id="id_accepted_terms">
    <label for="id_accepted_terms">I have read and accept the terms of sale</label>
    (<a href="/en/{slug}/legal/terms/">read the terms of sale</a>)</p>
{gap}
  <fieldset class="substitutions"><legend>If an item is missing when your order is prepared</legend>
    <p class="choice"><input type="radio" name="substitutions" value="refund" id="id_substitutions_0" checked> \
<label for="id_substitutions_0">Refund the missing item</label></p><p class="choice">\
<input type="radio" name="substitutions" value="substitute" id="id_substitutions_1"> \
<label for="id_substitutions_1">Replace it with a similar product (never at a higher price)</label></p>
  </fieldset>
  <p class="muted">By clicking the button below you place an order and agree to pay €30.45.""" in page
    assert """<h2 id="recap-slot">Home delivery</h2>
  <p><time datetime="2026-03-05T09:30:00+01:00">Thursday 5 March 2026, 09:30–11:30</time>
</p>""" in page
    assert f"""<h3 id="producer-{shop.producers[0].pk}">Fromagerie du Col</h3>
    <p class="muted">Sold by {shop.hub.legal_name}</p>""" in page


def test_a_refused_order_shows_what_was_posted_not_the_kept_form(client, shop, english):
    """After the pristine form is kept, a refusal still shows the visitor's choice and the errors."""
    basket_in_session(client, shop, (0, 1))
    recap(client, shop, "en")
    url = hub_url(shop, "checkout:review")

    page = text(client.post(url, {"substitutions": "substitute"}), 400)

    assert 'value="substitute" id="id_substitutions_1" checked' in page
    assert 'value="refund" id="id_substitutions_0">' in page
    assert 'id="order-errors"' in page


def test_a_hub_change_shows_on_the_next_recap(client, shop, english):
    basket_in_session(client, shop, (0, 1), (1, 1))
    recap(client, shop, "en")
    hub = shop.hub
    hub.name, hub.legal_name, hub.slug = "Panier Azur", "Panier Azur SAS", "azur"
    hub.selling_mode = SellingMode.MARKETPLACE
    hub.save()

    page = text(client.get(hub_url(shop, "checkout:review")))

    assert "<title>Check your order – Panier Azur</title>" in page
    assert 'action="/en/azur/checkout/review/"' in page
    assert 'href="/en/azur/legal/terms/"' in page
    assert 'href="/en/azur/checkout/"' in page
    # A marketplace names each producer as the seller, no longer the hub.
    assert f"Sold by {shop.producers[0].legal_name}" in page
    assert "Sold by Panier Azur SAS" not in page
    hub.selling_mode = SellingMode.RESELLER
    hub.save()
    assert "Sold by Panier Azur SAS" in text(client.get(hub_url(shop, "checkout:review")))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_recap_of_a_pickup(client, shop, language):
    basket_in_session(client, shop, (0, 1), (2, 1))
    data = step1(shop, fulfilment="pickup", slot=str(shop.pickup_slot.pk), pickup_point=str(shop.pickup_point.pk))

    page = recap(client, shop, language, data)

    dump(f"recap-pickup-{language}", page)
    assert shop.pickup_point.name in page


@pytest.mark.usefixtures("english", "vies", "germany")
def test_recap_of_a_company_buying_net_of_vat(client, shop):
    basket_in_session(client, shop, (0, 2), (1, 1))

    page = recap(client, shop, "en", german_company(shop))

    dump("recap-company-en", page)
    assert 'data-testid="vat-exempt"' in page
    assert "Total excl. VAT" in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_recap_with_an_item_sold_by_weight_at_a_marketplace(client, shop, language):
    Hub.objects.filter(pk=shop.hub.pk).update(selling_mode=SellingMode.MARKETPLACE)
    factories.weighed_product(shop)
    basket_in_session(client, shop, (0, 1), (3, 2))

    page = recap(client, shop, language)

    dump(f"recap-weight-{language}", page)
    assert 'class="weight-note muted"' in page


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(("posted", "status"), [({"substitutions": "substitute"}, 400), ({"accepted_terms": "on"}, 409)])
def test_a_refused_order_shows_its_errors_and_choices(client, shop, language, posted, status):
    basket_in_session(client, shop, (0, 2), (1, 1))
    client.post(localized(hub_url(shop, "checkout:start"), language), step1(shop))
    url = localized(hub_url(shop, "checkout:review"), language)
    client.get(url)
    # 400: no token at all; 409: a token of another page.
    data = dict(posted, **({"checkout_token": "8d7c3b8e-2f1a-4c4e-9d65-0e8f7f3a1b2c"} if status == 409 else {}))

    page = fresh_then_kept(client, url, method="post", data=data, status=status)

    dump(f"recap-refused-{status}-{language}", page)
    assert 'id="order-errors"' in page


def paid_through_the_return(client: Client, shop, language: str, *items, **details) -> tuple[Order, str]:
    basket_in_session(client, shop, *items)
    client.post(localized(hub_url(shop, "checkout:start"), language), step1(shop, **details))
    review = client.get(localized(hub_url(shop, "checkout:review"), language))
    placed = client.post(
        localized(hub_url(shop, "checkout:review"), language),
        {"checkout_token": review.context["token"], "accepted_terms": "on"},
    )
    paid = client.post(placed["Location"], {"action": "pay", "card_number": "4242 4242 4242 4242"})
    return Order.objects.get(), paid["Location"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_thank_you_page_with_its_invoice(client, shop, language, settings):
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = False
    order, back = paid_through_the_return(client, shop, language, (0, 2), (1, 1), (2, 1))

    page = fresh_then_kept(client, back)
    shown = fresh_then_kept(client, localized(hub_url(shop, "checkout:confirmation", number=order.number), language))

    dump(f"thanks-{language}", page)
    assert "order-recap-seller" in kept_names()
    # The same page at its own address (only the language links differ).
    assert shown.split('<main id="main"')[1] == page.split('<main id="main"')[1]
    assert order.number.startswith("HUB")
    assert 'data-order-number="NUMBER"' in page
    assert 'class="confirmation-invoices"' in page


@pytest.mark.usefixtures("english")
def test_thank_you_page_shown_by_the_return_reads_nothing_again(client, shop, settings):
    """The return that applies the payment shows the order as its transaction left it.

    A pickup at a marketplace: one invoice per producer and one for the
    delivery-free hub part, the pickup point read for the page. The page
    matches the one read from the database afterwards, at the return's
    address and at the confirmation's.
    """
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = False
    # The e-mail is a task, as on a busy shop: it reads the order in the worker.
    settings.PANIER_ORDER_FOLLOWUP_DEFERRED = True
    shop.hub.selling_mode = SellingMode.MARKETPLACE
    shop.hub.save()
    pickup = {"fulfilment": "pickup", "slot": str(shop.pickup_slot.pk), "pickup_point": str(shop.pickup_point.pk)}
    fragments.forget()
    cache.clear()
    order, back = paid_through_the_return(client, shop, "en", (0, 1), (1, 2), **pickup)
    with CaptureQueriesContext(connection) as queries:
        first = text(client.get(back))
    sql = [q["sql"] for q in queries.captured_queries]
    again = text(client.get(back))
    shown = text(client.get(hub_url(shop, "checkout:confirmation", number=order.number)))

    assert first == again
    assert shown.split('<main id="main"')[1] == first.split('<main id="main"')[1]
    assert shop.pickup_point.name in first
    assert first.count(".pdf?key=") == order.invoices.count() == 2
    # Once the invoices are written, neither the order, its lines nor its
    # invoices are read again.
    applied = max(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "invoicing_invoiceline"'))
    reads = [q for q in sql[applied:] if q.startswith("SELECT")]
    assert reads
    for table in ("orders_order", "orders_orderline", "invoicing_invoice"):
        assert not [q for q in reads if f'FROM "{table}"' in q], table


def test_thank_you_page_of_a_pickup_at_a_marketplace(client, shop, settings):
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = False
    shop.hub.selling_mode = SellingMode.MARKETPLACE
    shop.hub.save()
    order = factories.placed_order(shop, [(0, 1), (1, 2)], pickup=True)
    session = client.session
    session["panier_order_keys"] = {order.number: str(order.access_key)}
    factories.save_session(client, session)
    with translation.override("en"):
        url = hub_url(shop, "checkout:confirmation", number=order.number)

    page = fresh_then_kept(client, f"{url}?key={order.access_key}")

    dump("thanks-pickup-marketplace-en", page)
    assert shop.pickup_point.name in page
    assert f"""<h3 id="seller-{shop.producers[1].pk}">Miellerie des Baous</h3>
  <p class="muted">Sold by {shop.producers[1].legal_name}</p>""" in page
    assert """<h3>Pickup</h3>
<p><time datetime="2026-03-05T09:30:00+01:00">Thursday 5 March 2026, 09:30–11:30</time>
</p>""" in page


def test_order_page_and_its_recap_read_the_same_kept_or_not(client, shop, settings):
    """The order page shows the same recap (it is kept there too)."""
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = False
    order = factories.placed_order(shop, [(0, 2), (1, 1)])
    with translation.override("en"):
        url = reverse("orders:detail", kwargs={"number": order.number})

    page = fresh_then_kept(client, f"{url}?key={order.access_key}")

    assert "order-recap-seller" in kept_names()
    assert "Fromagerie du Col" in page
