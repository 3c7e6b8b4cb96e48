import json


def test_openapi_documents_every_path_and_error(api, db):
    """openapi.json is valid JSON listing every endpoint and its 4xx answers."""
    response = api.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/hubs",
        "/api/v1/hubs/{hub}/categories",
        "/api/v1/hubs/{hub}/producers",
        "/api/v1/hubs/{hub}/products",
        "/api/v1/hubs/{hub}/products/{slug}",
        "/api/v1/hubs/{hub}/products/{slug}/reviews",
        "/api/v1/hubs/{hub}/carts",
        "/api/v1/hubs/{hub}/carts/{token}",
        "/api/v1/hubs/{hub}/carts/{token}/lines",
        "/api/v1/hubs/{hub}/carts/{token}/lines/{variant_id}",
        "/api/v1/hubs/{hub}/carts/{token}/quote",
        "/api/v1/hubs/{hub}/slots",
        "/api/v1/hubs/{hub}/pickup-points",
        "/api/v1/hubs/{hub}/checkout",
        "/api/v1/orders/{number}",
        "/api/v1/payments/{public_id}/return",
    }
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            statuses = operation["responses"]
            errors = [s for s in statuses if s.startswith("4")]
            assert errors, f"{method} {path} documents no 4xx"
            for status in errors:
                assert statuses[status]["content"]["application/json"]["schema"] == error_ref
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message"}
    checkout = paths["/api/v1/hubs/{hub}/checkout"]["post"]
    assert set(checkout["responses"]) == {"201", "400", "404", "409", "422", "429", "502"}
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in checkout["parameters"])


def test_docs_page_is_served(api, db):
    """The interactive documentation answers 200."""
    response = api.get("/api/v1/docs")

    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content
