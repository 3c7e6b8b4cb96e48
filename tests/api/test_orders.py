import uuid

import pytest

from tests.api.test_checkout import basket, checkout_body, checkout_url


@pytest.fixture
def placed(api, shop):
    token = basket(api, shop, (0, 2), (2, 1))
    return api.post(checkout_url(shop), checkout_body(shop, token)).json()


def test_order_is_shown_with_its_access_key(api, shop, placed, django_assert_max_num_queries):
    """The access key opens the order: its lines, totals and VAT per rate."""
    url = f"/api/v1/orders/{placed['number']}?key={placed['access_key']}"

    with django_assert_max_num_queries(4):
        response = api.get(url)

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == placed["number"]
    assert body["hub"] == shop.hub.slug
    assert body["status"] == "pending_payment"
    assert body["fulfilment"] == "delivery"
    assert body["goods_cents"] == 2 * 650 + 2400
    assert body["delivery_fee_cents"] == 690
    assert body["total_cents"] == placed["total_cents"]
    assert [(line["product_name"], line["quantity"], line["tax_rate_bp"]) for line in body["lines"]] == [
        ("Tomme de chèvre", 2, 550),
        ("Vin rouge", 1, 2000),
    ]
    assert sum(rate["gross_cents"] for rate in body["vat"]) == body["total_cents"]
    assert body["slot"]["starts_at"]
    assert "email" not in body


@pytest.mark.parametrize("key", ["", "?key=wrong", "?key=6b1f7c4e-0d5a-4c55-9d64-8a1f0c2e9b11", "?key=%00"])
def test_order_needs_its_access_key(api, placed, key):
    """Without the right key, the order does not exist (404), and a malformed key is 422."""
    response = api.get(f"/api/v1/orders/{placed['number']}{key}")

    expected = (422, "invalid_input") if key == "?key=%00" else (404, "not_found")
    assert (response.status_code, response.json()["code"]) == expected


def test_unknown_order_is_404(api, db):
    """Unknown, overlong or malformed order numbers answer 404 not_found."""
    for number in ("NICE-00000000", "x" * 200, "%00"):
        response = api.get(f"/api/v1/orders/{number}?key={uuid.uuid4()}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
