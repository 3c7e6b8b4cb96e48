import pytest

from panier.cart.models import Cart, CartLine
from panier.core.models import IdempotencyRecord
from panier.inventory.models import Stock
from tests import factories


def new_cart(api, shop) -> str:
    return api.post(f"/api/v1/hubs/{shop.hub.slug}/carts").json()["token"]


def lines_url(shop, token, variant_id=None):
    url = f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/lines"
    return f"{url}/{variant_id}" if variant_id is not None else url


def test_open_a_basket(api, shop):
    """Opening a basket answers 201 with its token and no lines."""
    response = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts")

    assert response.status_code == 201
    body = response.json()
    assert body["lines"] == []
    assert body["goods_cents"] == 0
    assert Cart.objects.get(token=body["token"]).hub == shop.hub


def test_add_set_and_remove_lines(api, shop):
    """Lines are added (quantities add up), set, set to 0 and deleted."""
    token = new_cart(api, shop)
    tomme, miel = shop.variant(0).pk, shop.variant(1).pk

    added = api.post(lines_url(shop, token), {"variant_id": tomme, "quantity": 2})
    again = api.post(lines_url(shop, token), {"variant_id": tomme, "quantity": 1})
    api.post(lines_url(shop, token), {"variant_id": miel, "quantity": 1})
    updated = api.put(lines_url(shop, token, tomme), {"quantity": 4})
    zeroed = api.put(lines_url(shop, token, miel), {"quantity": 0})
    deleted = api.delete(lines_url(shop, token, tomme))

    assert added.status_code == 200
    assert added.json()["lines"][0]["quantity"] == 2
    assert added.json()["lines"][0]["line_total_cents"] == 1300
    assert again.json()["lines"][0]["quantity"] == 3
    assert updated.status_code == 200
    assert [(line["variant_id"], line["quantity"]) for line in updated.json()["lines"]] == [(tomme, 4), (miel, 1)]
    assert updated.json()["goods_cents"] == 4 * 650 + 1055
    assert updated.json()["item_count"] == 5
    assert [line["variant_id"] for line in zeroed.json()["lines"]] == [tomme]
    assert deleted.status_code == 200
    assert deleted.json()["lines"] == []
    assert CartLine.objects.count() == 0


def test_show_a_basket(api, shop, django_assert_max_num_queries):
    """A basket shows its lines with prices and what is left in stock, in a few queries."""
    token = new_cart(api, shop)
    for index in range(3):
        api.post(lines_url(shop, token), {"variant_id": shop.variant(index).pk, "quantity": 1})
    api.post(lines_url(shop, token), {"variant_id": shop.variant(1).pk, "quantity": 1})
    Stock.objects.filter(variant=shop.variant(1)).update(remaining=1)

    with django_assert_max_num_queries(5):
        response = api.get(f"/api/v1/hubs/{shop.hub.slug}/carts/{token}")

    assert response.status_code == 200
    assert len(response.json()["lines"]) == 3
    line = response.json()["lines"][1]
    assert line["product_name"] == "Miel de lavande"
    assert line["producer"] == "Miellerie des Baous"
    assert line["unit_price_cents"] == 1055
    assert line["available"] == 1
    assert line["is_short"] is True
    assert response.json()["has_problems"] is True


def test_more_than_the_stock_is_409(api, shop):
    """Asking for more than is left answers 409 stock_insufficient on the quantity."""
    token = new_cart(api, shop)

    response = api.post(lines_url(shop, token), {"variant_id": shop.variant(2).pk, "quantity": 4})

    assert response.status_code == 409
    assert response.json()["code"] == "stock_insufficient"
    assert response.json()["fields"] == {"quantity": ["Plus que 3 en stock."]}


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**9, 10**30])
def test_out_of_range_quantities_are_422(api, shop, quantity):
    """A quantity outside 1-99 answers 422 invalid_quantity."""
    token = new_cart(api, shop)

    response = api.post(lines_url(shop, token), {"variant_id": shop.variant(0).pk, "quantity": quantity})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_quantity"
    assert list(response.json()["fields"]) == ["quantity"]


@pytest.mark.parametrize("quantity", ["abc", "2", None, 1.5, True, False, [1], {"n": 1}])
def test_quantities_of_the_wrong_type_are_422(api, shop, quantity):
    """A quantity that is not a whole number answers 422 invalid_input on the field."""
    token = new_cart(api, shop)

    response = api.post(lines_url(shop, token), {"variant_id": shop.variant(0).pk, "quantity": quantity})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert list(response.json()["fields"]) == ["quantity"]


def test_set_quantity_refuses_bad_values(api, shop):
    """Setting a negative, huge or non-numeric quantity answers 422."""
    token = new_cart(api, shop)
    url = lines_url(shop, token, shop.variant(0).pk)

    codes = [api.put(url, {"quantity": q}).json()["code"] for q in (-1, 10**9, "abc", None, False)]

    assert codes == ["invalid_quantity", "invalid_quantity", "invalid_input", "invalid_input", "invalid_input"]


def test_integral_float_is_a_quantity(api, shop):
    """2.0 is an integer in JSON Schema, so it is accepted as 2."""
    token = new_cart(api, shop)

    response = api.put(lines_url(shop, token, shop.variant(0).pk), {"quantity": 2.0})

    assert response.status_code == 200
    assert response.json()["lines"][0]["quantity"] == 2


def test_missing_and_extra_fields(api, shop):
    """Missing fields are 422 invalid_input listing them; unknown fields are ignored."""
    token = new_cart(api, shop)

    missing = api.post(lines_url(shop, token), {})
    extra = api.post(
        lines_url(shop, token), {"variant_id": shop.variant(0).pk, "quantity": 1, "note": "x" * 100_000}
    )

    assert missing.status_code == 422
    assert missing.json()["code"] == "invalid_input"
    assert sorted(missing.json()["fields"]) == ["quantity", "variant_id"]
    assert extra.status_code == 200


def test_unknown_variant_is_404(api, shop):
    """A variant that does not exist, is off sale or belongs to another hub answers 404."""
    token = new_cart(api, shop)
    other = factories.make_shop()
    shop.products[1].is_active = False
    shop.products[1].save()

    codes = [
        (r.status_code, r.json()["code"])
        for r in (
            api.post(lines_url(shop, token), {"variant_id": 999_999, "quantity": 1}),
            api.post(lines_url(shop, token), {"variant_id": other.variant(0).pk, "quantity": 1}),
            api.post(lines_url(shop, token), {"variant_id": shop.variant(1).pk, "quantity": 1}),
            api.put(lines_url(shop, token, 999_999), {"quantity": 1}),
        )
    ]

    assert codes == [(404, "product_unavailable")] * 4


def test_variant_ids_out_of_range_are_422(api, shop):
    """Variant ids that are not positive 64-bit integers answer 422 invalid_input."""
    token = new_cart(api, shop)

    responses = [
        api.post(lines_url(shop, token), {"variant_id": 2**64, "quantity": 1}),
        api.post(lines_url(shop, token), {"variant_id": 0, "quantity": 1}),
        api.put(lines_url(shop, token, 2**64), {"quantity": 1}),
        api.delete(lines_url(shop, token, "abc")),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(422, "invalid_input")] * 4


@pytest.mark.parametrize("token", ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "%00", "x" * 300])
def test_unknown_basket_is_404(api, shop, token):
    """An unknown or malformed basket token answers 404 not_found everywhere."""
    base = f"/api/v1/hubs/{shop.hub.slug}/carts/{token}"

    responses = [
        api.get(base),
        api.post(f"{base}/lines", {"variant_id": shop.variant(0).pk, "quantity": 1}),
        api.put(f"{base}/lines/{shop.variant(0).pk}", {"quantity": 1}),
        api.delete(f"{base}/lines/{shop.variant(0).pk}"),
        api.post(f"{base}/quote", {"fulfilment": "pickup"}),
    ]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(404, "not_found")] * 5


def test_basket_of_another_hub_or_user_is_404(api, shop):
    """A token only opens an anonymous basket of the hub in the URL."""
    other = factories.make_shop()
    token = new_cart(api, other)
    owned = Cart.objects.create(hub=shop.hub, user=factories.user())

    wrong_hub = api.get(f"/api/v1/hubs/{shop.hub.slug}/carts/{token}")
    user_cart = api.get(f"/api/v1/hubs/{shop.hub.slug}/carts/{owned.token}")

    assert (wrong_hub.status_code, wrong_hub.json()["code"]) == (404, "not_found")
    assert (user_cart.status_code, user_cart.json()["code"]) == (404, "not_found")


def test_idempotency_key_replays_the_first_answer(api, shop):
    """Retrying an add with the same key and body adds once and replays the answer."""
    token = new_cart(api, shop)
    body = {"variant_id": shop.variant(0).pk, "quantity": 2}
    headers = {"Idempotency-Key": "add-1"}

    first = api.post(lines_url(shop, token), body, headers=headers)
    retry = api.post(lines_url(shop, token), {"quantity": 2, "variant_id": shop.variant(0).pk}, headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert CartLine.objects.get().quantity == 2
    assert IdempotencyRecord.objects.get().scope == "cart_add"


def test_idempotency_key_reused_for_another_request_is_409(api, shop):
    """The same key with another body, or another basket, answers 409 idempotency_key_reused."""
    token = new_cart(api, shop)
    other_token = new_cart(api, shop)
    headers = {"Idempotency-Key": "add-2"}
    api.post(lines_url(shop, token), {"variant_id": shop.variant(0).pk, "quantity": 2}, headers=headers)

    other_body = api.post(lines_url(shop, token), {"variant_id": shop.variant(0).pk, "quantity": 3}, headers=headers)
    other_cart = api.post(lines_url(shop, other_token), {"variant_id": shop.variant(0).pk, "quantity": 2}, headers=headers)

    assert (other_body.status_code, other_body.json()["code"]) == (409, "idempotency_key_reused")
    assert (other_cart.status_code, other_cart.json()["code"]) == (409, "idempotency_key_reused")
    assert CartLine.objects.get(cart__token=token).quantity == 2


def test_failed_request_does_not_keep_its_idempotency_key(api, shop):
    """A request that failed can be retried with its key once the cause is gone."""
    token = new_cart(api, shop)
    headers = {"Idempotency-Key": "add-3"}
    body = {"variant_id": shop.variant(2).pk, "quantity": 3}
    Stock.objects.filter(variant=shop.variant(2)).update(remaining=1)

    refused = api.post(lines_url(shop, token), body, headers=headers)
    Stock.objects.filter(variant=shop.variant(2)).update(remaining=3)
    retried = api.post(lines_url(shop, token), body, headers=headers)

    assert refused.status_code == 409
    assert retried.status_code == 200
    assert retried.json()["lines"][0]["quantity"] == 3


def test_malformed_idempotency_key_is_422(api, shop):
    """A key longer than 200 characters or with spaces answers 422 invalid_input."""
    token = new_cart(api, shop)
    body = {"variant_id": shop.variant(0).pk, "quantity": 1}

    long_key = api.post(lines_url(shop, token), body, headers={"Idempotency-Key": "k" * 201})
    spaced = api.post(lines_url(shop, token), body, headers={"Idempotency-Key": "a b"})

    assert (long_key.status_code, long_key.json()["code"]) == (422, "invalid_input")
    assert (spaced.status_code, spaced.json()["code"]) == (422, "invalid_input")
    assert CartLine.objects.count() == 0
