"""Whatever a client sends, the API answers JSON with a 4xx status, never a 500."""

import json

import pytest
from django.test import Client


def test_malformed_json_is_400(api, shop):
    """A body that is not JSON answers 400 malformed_json."""
    token = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts").json()["token"]

    for raw in ("{bad", '{"variant_id": 1,', "\xff", "1" * 5000):
        response = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/lines", raw=raw)
        assert (response.status_code, response.json()["code"]) == (400, "malformed_json")


@pytest.mark.parametrize("raw", ["null", "[]", '"text"', "42", "{}"])
def test_json_that_is_not_an_object_is_422(api, shop, raw):
    """Valid JSON of the wrong shape answers 422 invalid_input."""
    token = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts").json()["token"]

    response = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/lines", raw=raw)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


def test_method_not_allowed_is_json_405(api, shop):
    """A method a path does not support answers 405 method_not_allowed with Allow."""
    response = api.patch(f"/api/v1/hubs/{shop.hub.slug}/products", {})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_unknown_api_path_is_json_404(api, db):
    """A path under /api/v1/ that does not exist answers 404 not_found in JSON."""
    for url in ("/api/v1/nothing", "/api/v1/hubs/a/b/c/d/e"):
        response = api.post(url, {})
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_post_needs_no_csrf_token_even_with_a_session(shop):
    """The API uses no cookies for auth, so a browser session does not make it ask for CSRF."""
    client = Client(enforce_csrf_checks=True)
    client.get("/")

    response = client.post(f"/api/v1/hubs/{shop.hub.slug}/carts")

    assert response.status_code == 201


def test_text_that_no_database_can_store_is_422(api, shop):
    """NUL characters and lone surrogates in JSON strings answer 422 invalid_input."""
    token = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts").json()["token"]
    url = f"/api/v1/hubs/{shop.hub.slug}/carts/{token}/quote"

    nul = api.post(url, raw=json.dumps({"fulfilment": "delivery", "postal_code": "06\x00000"}))
    surrogate = api.post(url, raw='{"fulfilment": "delivery", "postal_code": "\\ud800"}')

    assert (nul.status_code, nul.json()["code"], list(nul.json()["fields"])) == (422, "invalid_input", ["postal_code"])
    assert (surrogate.status_code, surrogate.json()["code"]) == (422, "invalid_input")


def test_huge_strings_are_422(api, shop):
    """Strings longer than their field answer 422 invalid_input, naming the field."""
    from tests.api.test_checkout import basket, checkout_body, checkout_url

    token = basket(api, shop, (0, 1))
    body = checkout_body(shop, token)
    body["contact"]["first_name"] = "A" * 1_000_000

    response = api.post(checkout_url(shop), body)

    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert list(response.json()["fields"]) == ["contact.first_name"]


def test_error_messages_follow_the_accept_language(api, shop):
    """Error codes stay the same in every language; the message is translated when it can be."""
    english = api.get("/api/v1/hubs/nowhere/products", headers={"Accept-Language": "en"})

    assert english.json() == {"code": "not_found", "message": "Not found."}
    assert english["Content-Language"] == "en"
