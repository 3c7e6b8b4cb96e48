import uuid

import pytest
from django.core import mail

from panier.core.models import IdempotencyRecord
from panier.delivery.models import SlotKind
from panier.inventory.models import Stock
from panier.orders.models import Order
from panier.payments.adapters.sandbox import sandbox_pay
from panier.payments.models import Payment
from tests import factories


def basket(api, shop, *items) -> str:
    token = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts").json()["token"]
    for index, quantity in items:
        response = api.post(
            f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/lines",
            {"variant_id": shop.variant(index).pk, "quantity": quantity},
        )
        assert response.status_code == 200
    return token


def checkout_body(shop, cart_token, **kw):
    body = {
        "cart_token": cart_token,
        "checkout_token": str(uuid.uuid4()),
        "fulfilment": "delivery",
        "slot_id": shop.delivery_slot.pk,
        "contact": {
            "email": "alice@example.org",
            "first_name": "Alice",
            "last_name": "Durand",
            "phone": "06 12 34 56 78",
        },
        "address": {"line1": "5 rue Rossini", "postal_code": "06000", "city": "Nice"},
        "accepted_terms": True,
    }
    body.update(kw)
    return body


def checkout_url(shop):
    return f"/api/v1/hubs/{shop.hub.slug}/checkout"


def test_slots_by_kind_and_pickup_point(api, shop):
    """Open slots are listed by kind; pickup slots can be narrowed to one pickup point."""
    url = f"/api/v1/hubs/{shop.hub.slug}/slots"
    factories.slot(shop.hub, cutoff_hours=24 * 4)  # cut-off already passed

    delivery = api.get(url).json()
    pickup = api.get(f"{url}?kind=pickup&pickup_point={shop.pickup_point.pk}").json()

    assert [s["id"] for s in delivery["items"]] == [shop.delivery_slot.pk]
    assert delivery["items"][0]["remaining"] == 10
    assert delivery["items"][0]["kind"] == "delivery"
    assert [s["id"] for s in pickup["items"]] == [shop.pickup_slot.pk]
    assert pickup["items"][0]["pickup_point_id"] == shop.pickup_point.pk


def test_slot_filters_errors(api, shop):
    """An unknown kind is 422; an unknown pickup point is 404 pickup_point_not_found."""
    url = f"/api/v1/hubs/{shop.hub.slug}/slots"

    bad_kind = api.get(f"{url}?kind=drone")
    bad_point = api.get(f"{url}?kind=pickup&pickup_point=999999")
    huge_point = api.get(f"{url}?kind=pickup&pickup_point={2**64}")

    assert (bad_kind.status_code, bad_kind.json()["code"], list(bad_kind.json()["fields"])) == (
        422,
        "invalid_input",
        ["kind"],
    )
    assert (bad_point.status_code, bad_point.json()["code"]) == (404, "pickup_point_not_found")
    assert (huge_point.status_code, huge_point.json()["code"]) == (422, "invalid_input")


def test_pickup_points(api, shop):
    """Active pickup points of the hub are listed."""
    response = api.get(f"/api/v1/hubs/{shop.hub.slug}/pickup-points")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["items"][0] == {
        "id": shop.pickup_point.pk,
        "name": "Épicerie du port",
        "address": "2 quai Lunel",
        "postal_code": "06300",
        "city": "Nice",
        "opening_hours": "",
    }


def test_quote_for_delivery_has_fee_and_vat_per_rate(api, shop):
    """A delivered basket below 60 € pays 6.90 €, split over the VAT rates of the goods."""
    token = basket(api, shop, (0, 2), (2, 1))

    response = api.post(
        f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/quote", {"fulfilment": "delivery", "postal_code": "06000"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["goods_cents"] == 1300 + 2400
    assert body["delivery_fee_cents"] == 690
    assert body["total_cents"] == 4390
    assert [rate["rate_bp"] for rate in body["vat"]] == [550, 2000]
    assert sum(rate["gross_cents"] for rate in body["vat"]) == 4390
    assert body["vat_cents"] == sum(rate["vat_cents"] for rate in body["vat"])
    assert body["meets_minimum"] is True


def test_quote_for_pickup_has_no_fee(api, shop):
    """Pickup costs nothing."""
    token = basket(api, shop, (0, 1))

    body = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/quote", {"fulfilment": "pickup"}).json()

    assert (body["delivery_fee_cents"], body["total_cents"]) == (0, 650)
    assert body["vat"] == [{"rate_bp": 550, "gross_cents": 650, "net_cents": 616, "vat_cents": 34}]


def test_quote_errors(api, shop):
    """An unserved postal code is 422 postal_code_not_served; a bad fulfilment is 422 invalid_input."""
    token = basket(api, shop, (0, 1))
    url = f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/quote"

    unserved = api.post(url, {"fulfilment": "delivery", "postal_code": "75001"})
    missing = api.post(url, {"fulfilment": "delivery"})
    bad = api.post(url, {"fulfilment": "teleport"})

    assert (unserved.status_code, unserved.json()["code"]) == (422, "postal_code_not_served")
    assert unserved.json()["fields"] == {"postal_code": [unserved.json()["message"]]}
    assert (missing.status_code, missing.json()["code"], list(missing.json()["fields"])) == (
        422,
        "invalid_input",
        ["postal_code"],
    )
    assert (bad.status_code, bad.json()["code"], list(bad.json()["fields"])) == (422, "invalid_input", ["fulfilment"])


def test_checkout_then_sandbox_payment_makes_the_order_paid(api, shop, django_capture_on_commit_callbacks):
    """Placing an order opens a sandbox payment; once paid, the return marks the order paid."""
    token = basket(api, shop, (0, 2), (1, 1))

    placed = api.post(checkout_url(shop), checkout_body(shop, token))

    assert placed.status_code == 201
    body = placed.json()
    order = Order.objects.get(number=body["number"])
    assert body["status"] == "pending_payment"
    assert body["access_key"] == str(order.access_key)
    assert body["total_cents"] == 2 * 650 + 1055 + 690
    assert body["payment"]["status"] == "pending"
    assert body["payment"]["redirect_url"].startswith("http://testserver/")
    assert "/pay/sandbox/" in body["payment"]["redirect_url"]
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 8

    payment = Payment.objects.get(reference=order.number)
    assert str(payment.public_id) == body["payment"]["public_id"]
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242424242424242")
    with django_capture_on_commit_callbacks(execute=True):
        returned = api.post(f"/api/v1/payments/{payment.public_id}/return")

    assert returned.status_code == 200
    assert returned.json() == {"number": order.number, "status": "paid", "payment_status": "authorised"}
    order.refresh_from_db()
    assert order.status == "paid"
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/payments/{payment.public_id}/return")
    assert again.json()["status"] == "paid"
    assert len(mail.outbox) == 1


def test_declined_card_fails_the_order_and_releases_stock(api, shop):
    """A declined card makes the order payment_failed and gives the stock back."""
    token = basket(api, shop, (0, 2))
    number = api.post(checkout_url(shop), checkout_body(shop, token)).json()["number"]
    payment = Payment.objects.get(reference=number)

    sandbox_pay(intent_id=payment.provider_ref, card_number="4000000000000002")
    returned = api.post(f"/api/v1/payments/{payment.public_id}/return")

    assert returned.json() == {"number": number, "status": "payment_failed", "payment_status": "failed"}
    assert Stock.objects.get(variant=shop.variant(0)).remaining == 10


def test_pickup_checkout(api, shop):
    """An order for pickup needs a pickup point and a pickup slot there; no fee."""
    token = basket(api, shop, (0, 1))
    body = checkout_body(
        shop, token, fulfilment="pickup", slot_id=shop.pickup_slot.pk, pickup_point_id=shop.pickup_point.pk
    )
    del body["address"]

    response = api.post(checkout_url(shop), body)

    assert response.status_code == 201
    order = Order.objects.get(number=response.json()["number"])
    assert (order.fulfilment, order.pickup_point, order.delivery_fee_cents) == ("pickup", shop.pickup_point, 0)


def test_checkout_token_makes_checkout_idempotent(api, shop):
    """Posting the same checkout token twice returns the same order and payment."""
    token = basket(api, shop, (0, 1))
    body = checkout_body(shop, token)

    first = api.post(checkout_url(shop), body)
    second = api.post(checkout_url(shop), body)

    assert second.status_code == 201
    assert second.json() == first.json()
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


def test_checkout_idempotency_key_replays_and_refuses_reuse(api, shop):
    """The same Idempotency-Key replays the answer; with another body it is 409."""
    token = basket(api, shop, (0, 1))
    body = checkout_body(shop, token)
    headers = {"Idempotency-Key": "order-1"}

    first = api.post(checkout_url(shop), body, headers=headers)
    replay = api.post(checkout_url(shop), body, headers=headers)
    reused = api.post(checkout_url(shop), {**body, "checkout_token": str(uuid.uuid4())}, headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")
    assert IdempotencyRecord.objects.get().scope == "checkout_complete"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"accepted_terms": False}, 422, "terms_not_accepted", "accepted_terms"),
        ({"contact": {"email": "nope", "first_name": "A", "last_name": "B", "phone": "0612345678"}}, 422, "invalid_contact", "email"),
        ({"contact": {"email": "a@example.org", "first_name": "A", "last_name": "B", "phone": "12"}}, 422, "invalid_contact", "phone"),
        ({"address": {"line1": "1 rue", "postal_code": "75001", "city": "Paris"}}, 422, "postal_code_not_served", "postal_code"),
        ({"address": None}, 422, "invalid_input", "address"),
        ({"address": {"line1": " ", "postal_code": "06000", "city": "Nice"}}, 422, "invalid_contact", "address_line1"),
        ({"contact": {"email": "", "first_name": "A", "last_name": "B", "phone": "0612345678"}}, 422, "invalid_input", "contact"),
        ({"slot_id": 999_999}, 404, "slot_not_found", "slot"),
        ({"fulfilment": "pickup", "pickup_point_id": 999_999}, 404, "pickup_point_not_found", "pickup_point"),
        ({"fulfilment": "pickup", "pickup_point_id": None}, 422, "invalid_input", "pickup_point_id"),
        ({"fulfilment": "teleport"}, 422, "invalid_input", "fulfilment"),
        ({"checkout_token": "not-a-uuid"}, 422, "invalid_input", "checkout_token"),
        ({"slot_id": "abc"}, 422, "invalid_input", "slot_id"),
        ({"slot_id": 2**70}, 422, "invalid_input", "slot_id"),
        ({"accepted_terms": None}, 422, "invalid_input", "accepted_terms"),
        ({"accepted_terms": "yes"}, 422, "invalid_input", "accepted_terms"),
        ({"slot_id": True}, 422, "invalid_input", "slot_id"),
        ({"slot_id": "1"}, 422, "invalid_input", "slot_id"),
        ({"contact": None}, 422, "invalid_input", "contact"),
        ({"return_url": "javascript:alert(1)"}, 422, "invalid_input", "return_url"),
    ],
)
def test_checkout_errors(api, shop, change, status, code, field):
    """Each refused checkout answers its status and stable code, names the field and orders nothing."""
    token = basket(api, shop, (0, 1))

    response = api.post(checkout_url(shop), checkout_body(shop, token, **change))

    assert response.status_code == status
    assert response.json()["code"] == code
    assert list(response.json()["fields"])[0].split(".")[0] == field
    assert Order.objects.count() == 0


def test_checkout_refuses_an_empty_or_unknown_basket(api, shop):
    """An empty or unknown basket answers 409 cart_empty."""
    empty = basket(api, shop)

    responses = [
        api.post(checkout_url(shop), checkout_body(shop, empty)),
        api.post(checkout_url(shop), checkout_body(shop, str(uuid.uuid4()))),
        api.post(checkout_url(shop), checkout_body(shop, "not-a-token")),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(409, "cart_empty")] * 3


def test_checkout_conflicts(api, shop):
    """Short stock, a full slot and a passed cut-off answer 409 with their codes."""
    token = basket(api, shop, (2, 3))
    Stock.objects.filter(variant=shop.variant(2)).update(remaining=1)
    short = api.post(checkout_url(shop), checkout_body(shop, token))
    Stock.objects.filter(variant=shop.variant(2)).update(remaining=3)
    full = factories.slot(shop.hub, capacity=0)
    closed = factories.slot(shop.hub, days=1, cutoff_hours=25)

    slot_full = api.post(checkout_url(shop), checkout_body(shop, token, slot_id=full.pk))
    cutoff = api.post(checkout_url(shop), checkout_body(shop, token, slot_id=closed.pk))
    pickup_slot_for_delivery = api.post(checkout_url(shop), checkout_body(shop, token, slot_id=shop.pickup_slot.pk))

    assert (short.status_code, short.json()["code"]) == (409, "stock_insufficient")
    assert short.json()["shortages"] == [{"variant_id": shop.variant(2).pk, "available": 1}]
    assert (slot_full.status_code, slot_full.json()["code"]) == (409, "slot_full")
    assert (cutoff.status_code, cutoff.json()["code"]) == (409, "cutoff_passed")
    assert (pickup_slot_for_delivery.status_code, pickup_slot_for_delivery.json()["code"]) == (404, "slot_not_found")
    assert Order.objects.count() == 0


def test_below_minimum_order_is_409(api, shop):
    """A basket below the hub's minimum answers 409 below_minimum_order."""
    shop.hub.min_order_cents = 5000
    shop.hub.save()
    token = basket(api, shop, (0, 1))

    response = api.post(checkout_url(shop), checkout_body(shop, token))

    assert (response.status_code, response.json()["code"]) == (409, "below_minimum_order")


def test_checkout_at_an_unknown_hub_is_404(api, shop):
    """Checking out at an unknown hub answers 404 not_found."""
    token = basket(api, shop, (0, 1))

    response = api.post("/api/v1/hubs/nowhere/checkout", checkout_body(shop, token))

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_checkout_token_of_another_hub_is_404(api, shop):
    """A checkout token already used at another hub does not reveal that order."""
    token = basket(api, shop, (0, 1))
    body = checkout_body(shop, token)
    api.post(checkout_url(shop), body)
    other = factories.make_shop()

    response = api.post(checkout_url(other), {**body, "slot_id": other.delivery_slot.pk})

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_unknown_payment_is_404(api, shop):
    """Returning from an unknown or malformed payment id answers 404 not_found."""
    responses = [
        api.post(f"/api/v1/payments/{uuid.uuid4()}/return"),
        api.post("/api/v1/payments/not-a-uuid/return"),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(404, "not_found")] * 2


def test_pickup_slots_of_the_kind_only(api, shop):
    """Asking for pickup slots without a point lists every pickup slot, and no delivery slot."""
    other_point = shop.pickup_point.__class__.objects.create(
        hub=shop.hub, name="Ferme", address="1 chemin", postal_code="06000", city="Nice"
    )
    second = factories.slot(shop.hub, kind=SlotKind.PICKUP, pickup_point=other_point, days=4)

    body = api.get(f"/api/v1/hubs/{shop.hub.slug}/slots?kind=pickup").json()

    assert [s["id"] for s in body["items"]] == [shop.pickup_slot.pk, second.pk]
