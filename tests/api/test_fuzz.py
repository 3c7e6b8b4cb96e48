"""Random input never makes the API answer a 500 or anything but JSON."""

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
TEXT = st.text(min_size=1, max_size=40)

FIELDS = {
    "variant_id": st.integers() | st.text(max_size=5),
    "quantity": st.integers() | st.none() | st.text(max_size=5),
    "fulfilment": st.sampled_from(["delivery", "pickup", "", "x"]),
    "postal_code": st.text(max_size=12),
    "slot_id": st.integers(),
    "pickup_point_id": st.integers() | st.none(),
    "cart_token": st.text(max_size=40),
    "checkout_token": st.uuids().map(str) | st.text(max_size=5),
    "accepted_terms": st.booleans() | JSON,
    "contact": st.fixed_dictionaries(
        {"email": st.text(max_size=30), "first_name": st.text(max_size=30), "last_name": st.text(max_size=5), "phone": st.text(max_size=15)}
    )
    | JSON,
    "address": st.fixed_dictionaries(
        {"line1": st.text(max_size=30), "postal_code": st.text(max_size=8), "city": st.text(max_size=30)}
    )
    | JSON,
}
BODY = st.fixed_dictionaries({}, optional=FIELDS) | JSON


def _assert_json_4xx_or_ok(response):
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400:
        assert set(json.loads(response.content)) >= {"code", "message"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["post", "put", "delete", "get"]),
    which=st.sampled_from(["lines", "line", "quote", "checkout", "cart", "return"]),
    body=BODY,
    segment=TEXT,
    use_real=st.booleans(),
)
def test_random_requests_never_fail(api, shop, method, which, body, segment, use_real):
    """Random bodies and path segments get a JSON answer below 500."""
    hub = shop.hub.slug if use_real else quote(segment, safe="")
    token = api.post(f"/api/v1/hubs/{shop.hub.slug}/carts").json()["token"] if use_real else quote(segment, safe="")
    variant = shop.variant(0).pk if use_real else quote(segment, safe="")
    url = {
        "lines": f"/api/v1/hubs/{hub}/carts/{token}/lines",
        "line": f"/api/v1/hubs/{hub}/carts/{token}/lines/{variant}",
        "quote": f"/api/v1/hubs/{hub}/carts/{token}/quote",
        "checkout": f"/api/v1/hubs/{hub}/checkout",
        "cart": f"/api/v1/hubs/{hub}/carts/{token}",
        "return": f"/api/v1/payments/{quote(segment, safe='')}/return",
    }[which]

    raw = json.dumps(body) if method != "get" else None
    response = api._send(method, url, raw=raw)

    _assert_json_4xx_or_ok(response)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["products", "categories", "producers", "slots", "pickup-points"]),
    params=st.dictionaries(
        st.sampled_from(["page", "page_size", "q", "category", "producer", "kind", "pickup_point"]),
        st.text(max_size=30) | st.integers().map(str),
        max_size=4,
    ),
)
def test_random_list_queries_never_fail(api, shop, path, params):
    """Random query parameters on the lists get a JSON answer below 500."""
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in params.items())

    response = api.get(f"/api/v1/hubs/{shop.hub.slug}/{path}?{query}")

    _assert_json_4xx_or_ok(response)


def test_a_path_with_a_newline_gets_the_json_404(api, shop):
    """An encoded newline (or slash) in a path segment still gets the API's JSON 404."""
    for segment in ("%0A", "%2F%0A", "x%0Ay", "%0D%0A"):
        for url in (f"/api/v1/hubs/{segment}/checkout", f"/api/v1/hubs/{shop.hub.slug}/carts/{segment}/lines"):
            response = api._send("post", url, raw="{}")
            assert response.status_code in (404, 405, 422), (url, response.status_code)
            _assert_json_4xx_or_ok(response)
