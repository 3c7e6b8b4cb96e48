import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
from django.urls import reverse

from panier.fulfilment.errors import (
    PackingExceedsAuthorised,
    PackingInvalid,
    PackingNotAllowed,
    SubstitutionRefused,
)
from panier.fulfilment.models import Packing
from panier.fulfilment.services import LineResult, order_packing_finish
from panier.inventory.models import Stock
from panier.orders.models import OrderStatus
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def weighed_order(shop):
    """A paid delivery order: 2 × Tomme (6.50 €) and 2 × saucisson at 20 €/kg, ~300 g each."""
    factories.weighed_product(shop)
    Stock.objects.update(remaining=100)
    return factories.placed_order(shop, [(0, 2), (3, 2)])


def lines_of(order):
    unit, weighed = sorted(order.lines.all(), key=lambda line: line.sold_by_weight)
    return unit, weighed


def test_order_as_placed(weighed_order):
    """The fixture: 13.00 € + 2 × 6.00 € estimated = 25.00 € goods, 6.90 € fee, 31.90 € authorised."""
    assert (weighed_order.goods_cents, weighed_order.delivery_fee_cents, weighed_order.total_cents) == (2500, 690, 3190)


def test_packing_weighed_lines_sets_final_amounts_and_ready(weighed_order):
    """Given weighed items lighter than estimated, when packing finishes, then the final amount drops and the order is ready."""
    unit, weighed = lines_of(weighed_order)
    order = order_packing_finish(
        order_id=weighed_order.pk,
        lines=[LineResult(unit.pk), LineResult(weighed.pk, weight_g=550)],
        bags=2,
        has_cold_items=True,
    )
    unit.refresh_from_db()
    weighed.refresh_from_db()
    assert (unit.final_total_cents, weighed.final_total_cents, weighed.final_weight_g) == (1300, 1100, 550)
    assert order.final_total_cents == 1300 + 1100 + 690
    assert order.status == OrderStatus.READY
    assert list(order.events.values_list("to_status", flat=True)) [-3:] == ["paid", "in_preparation", "ready"]
    packing = Packing.objects.get(order=order)
    assert (packing.bags, packing.has_cold_items, packing.exceeds_authorised) == (2, True, False)


def test_missing_item_reduces_capture(weighed_order):
    """Given one Tomme short and the saucisson missing, the final amount is 1 × 6.50 € + fee."""
    unit, weighed = lines_of(weighed_order)
    order = order_packing_finish(
        order_id=weighed_order.pk,
        lines=[LineResult(unit.pk, packed_quantity=1), LineResult(weighed.pk, outcome="missing")],
        bags=1,
    )
    assert order.final_total_cents == 650 + 690
    weighed.refresh_from_db()
    assert (weighed.final_total_cents, weighed.final_weight_g, weighed.packed.outcome) == (0, None, "missing")


def test_heavier_than_authorised_is_refused_unless_confirmed(weighed_order):
    """Given weighed items 700 g over the estimate, the total exceeds 31.90 €: refused, then accepted and flagged."""
    unit, weighed = lines_of(weighed_order)
    lines = [LineResult(unit.pk), LineResult(weighed.pk, weight_g=1300)]
    with pytest.raises(PackingExceedsAuthorised):
        order_packing_finish(order_id=weighed_order.pk, lines=lines, bags=1)
    weighed_order.refresh_from_db()
    assert (weighed_order.status, weighed_order.final_total_cents) == (OrderStatus.PAID, None)
    assert not Packing.objects.exists()
    order = order_packing_finish(order_id=weighed_order.pk, lines=lines, bags=1, allow_over_authorised=True)
    assert order.final_total_cents == 1300 + 2600 + 690
    assert Packing.objects.get(order=order).exceeds_authorised is True


def test_substitution_needs_the_customers_consent(weighed_order):
    """Without prior consent a substitute is refused; with it, it costs at most the ordered line."""
    unit, weighed = lines_of(weighed_order)
    lines = [LineResult(unit.pk, outcome="substituted", substitute="Tomme de brebis"), LineResult(weighed.pk, weight_g=600)]
    with pytest.raises(SubstitutionRefused):
        order_packing_finish(order_id=weighed_order.pk, lines=lines, bags=1)
    weighed_order.allow_substitutions = True
    weighed_order.save(update_fields=["allow_substitutions"])
    order = order_packing_finish(order_id=weighed_order.pk, lines=lines, bags=1)
    assert order.final_total_cents == 1300 + 1200 + 690
    unit.refresh_from_db()
    assert (unit.packed.outcome, unit.packed.substitute) == ("substituted", "Tomme de brebis")


def test_every_line_needs_a_result_and_a_valid_weight(weighed_order):
    """A missing line result, a weighed item without weight, or 0 bags are refused with a clear error."""
    unit, weighed = lines_of(weighed_order)
    with pytest.raises(PackingInvalid):
        order_packing_finish(order_id=weighed_order.pk, lines=[LineResult(unit.pk)], bags=1)
    with pytest.raises(PackingInvalid) as exc:
        order_packing_finish(order_id=weighed_order.pk, lines=[LineResult(unit.pk), LineResult(weighed.pk)], bags=1)
    assert exc.value.field == f"line-{weighed.pk}"
    with pytest.raises(PackingInvalid):
        order_packing_finish(order_id=weighed_order.pk, lines=[LineResult(unit.pk), LineResult(weighed.pk, weight_g=500)], bags=0)


def test_unpaid_or_packed_order_cannot_be_packed(shop):
    """An unpaid order cannot be packed, nor can an order already ready."""
    unpaid = factories.placed_order(shop, [(0, 1)], paid=False)
    line = unpaid.lines.get()
    with pytest.raises(PackingNotAllowed):
        order_packing_finish(order_id=unpaid.pk, lines=[LineResult(line.pk)], bags=1)
    paid = factories.placed_order(shop, [(0, 1)])
    line = paid.lines.get()
    order_packing_finish(order_id=paid.pk, lines=[LineResult(line.pk)], bags=1)
    with pytest.raises(PackingNotAllowed):
        order_packing_finish(order_id=paid.pk, lines=[LineResult(line.pk)], bags=1)


# Pages -------------------------------------------------------------------------


def day_of(order, hub):
    return order.slot.starts_at.astimezone(ZoneInfo(hub.timezone)).date().isoformat()


def test_packing_pages_flow(client, shop, weighed_order, django_assert_max_num_queries):
    """The operator sees the day's orders, packs one through the form, and gets its labels as PDF."""
    factories.login_staff(client, shop.operator)
    hub = shop.hub
    with django_assert_max_num_queries(12):
        page = client.get(reverse("packing:day", kwargs={"hub_slug": hub.slug}) + f"?day={day_of(weighed_order, hub)}")
    assert page.status_code == 200
    assert weighed_order.number in page.content.decode()
    url = reverse("packing:order", kwargs={"hub_slug": hub.slug, "number": weighed_order.number})
    with django_assert_max_num_queries(12):
        form = client.get(url)
    assert form.status_code == 200
    assert 'name="bags"' in form.content.decode()
    unit, weighed = lines_of(weighed_order)
    finish = reverse("packing:finish", kwargs={"hub_slug": hub.slug, "number": weighed_order.number})
    bad = client.post(finish, {f"outcome-{unit.pk}": "missing", f"outcome-{weighed.pk}": "packed", f"weight-{weighed.pk}": "abc", "bags": "2"})
    assert bad.status_code == 400
    again = bad.content.decode()
    assert f'name="outcome-{unit.pk}" value="missing" checked' in again
    assert 'value="abc"' in again
    assert "Check the quantity and the weight (in grams) of Saucisson." in again
    over = client.post(finish, {f"outcome-{unit.pk}": "packed", f"outcome-{weighed.pk}": "packed", f"weight-{weighed.pk}": "2000", "bags": "2"})
    assert over.status_code == 409
    assert 'name="confirm_over"' in over.content.decode()
    done = client.post(finish, {f"outcome-{unit.pk}": "packed", f"outcome-{weighed.pk}": "packed", f"weight-{weighed.pk}": "580", "bags": "2", "cold": "on"})
    assert done.status_code == 302
    weighed_order.refresh_from_db()
    assert (weighed_order.status, weighed_order.final_total_cents) == ("ready", 1300 + 1160 + 690)
    pdf = client.get(reverse("packing:order_labels", kwargs={"hub_slug": hub.slug, "number": weighed_order.number}))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    day_pdf = client.get(reverse("packing:day_labels", kwargs={"hub_slug": hub.slug}) + f"?day={day_of(weighed_order, hub)}")
    assert day_pdf.status_code == 200
    assert day_pdf.content.startswith(b"%PDF")
    assert client.get(reverse("packing:day_labels", kwargs={"hub_slug": hub.slug}) + "?day=31-12").status_code == 400


def test_labels_one_page_per_bag(shop):
    """Given an order packed in 3 bags with cold items, its labels are 3 pages, each with a QR code and the cold flag."""
    from panier.fulfilment.documents import labels_pdf
    from panier.fulfilment.selectors import labels_for_orders, packing_order

    order = factories.placed_order(shop, [(0, 1)])
    order_packing_finish(order_id=order.pk, lines=[LineResult(order.lines.get().pk)], bags=3, has_cold_items=True)
    labels = labels_for_orders([packing_order(hub=shop.hub, number=order.number)])
    assert [(lb.bag, lb.bags, lb.cold) for lb in labels] == [(1, 3, True), (2, 3, True), (3, 3, True)]
    assert all(lb.qr_svg.startswith("data:image/svg+xml") for lb in labels)
    pdf = labels_pdf(hub=shop.hub, labels=labels)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert order.number in reader.pages[0].extract_text()


def test_other_hub_and_anonymous_are_kept_out(client, shop):
    """Staff of another hub get 404 on this hub's packing pages; anonymous users are sent to log in."""
    order = factories.placed_order(shop, [(0, 1)])
    url = reverse("packing:order", kwargs={"hub_slug": shop.hub.slug, "number": order.number})
    assert client.get(url).status_code == 302
    other = factories.make_shop()
    factories.login_staff(client, other.operator)
    assert client.get(url).status_code == 404
    assert client.get(reverse("packing:day", kwargs={"hub_slug": shop.hub.slug})).status_code == 404
