from panier.catalog.models import ProductImage, Variant
from panier.hubs.models import SellingMode, VatRegime
from panier.inventory.models import Stock
from tests import factories


def test_hub_list_shows_open_hubs_only(api, shop):
    """Closed hubs are not listed; the page carries the total count."""
    factories.hub(slug="closed", is_active=False)

    response = api.get("/api/v1/hubs")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["page"] == 1
    assert body["page_size"] == 20
    assert [hub["slug"] for hub in body["items"]] == [shop.hub.slug]
    assert body["items"][0]["currency"] == "EUR"


def test_category_and_producer_lists(api, shop):
    """A hub's categories and active producers are listed by slug and name."""
    factories.producer(shop.hub, name="Ancien", is_active=False)

    categories = api.get(f"/api/v1/hubs/{shop.hub.slug}/categories")
    producers = api.get(f"/api/v1/hubs/{shop.hub.slug}/producers")

    assert categories.status_code == 200
    assert categories.json()["count"] == 1
    assert producers.status_code == 200
    assert [p["name"] for p in producers.json()["items"]] == ["Fromagerie du Col", "Miellerie des Baous"]


def test_category_names_follow_the_accept_language(api, shop):
    """English clients get the English name of a category."""
    response = api.get(f"/api/v1/hubs/{shop.hub.slug}/categories", headers={"Accept-Language": "en"})

    assert response.json()["items"][0]["name"].startswith("Category ")


def test_product_list_gives_prices_vat_rate_and_availability(api, shop):
    """Each product lists its variants with VAT-inclusive and unit prices and the stock left."""
    response = api.get(f"/api/v1/hubs/{shop.hub.slug}/products")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    by_name = {item["name"]: item for item in body["items"]}
    assert list(by_name) == ["Miel de lavande", "Tomme de chèvre", "Vin rouge"]
    tomme = by_name["Tomme de chèvre"]
    assert tomme["tax_rate_bp"] == 550
    assert tomme["producer"]["name"] == "Fromagerie du Col"
    assert tomme["available"] is True
    assert tomme["sold_by_weight"] is False
    assert tomme["unit"] == "kg"
    assert tomme["allergens"] == []
    assert tomme["variants"] == [
        {
            "id": shop.variant(0).pk,
            "sku": shop.variant(0).sku,
            "label": "500 g",
            "price_cents": 650,
            "unit_price_cents": 1300,
            "estimated_weight_g": None,
            "estimated_price_cents": 650,
            "net_quantity": 500,
            "available": 10,
            "is_available": True,
        }
    ]
    assert by_name["Vin rouge"]["tax_rate_bp"] == 2000


def test_product_sold_by_weight_has_an_estimated_price(api, shop):
    """A product sold by weight is priced per kg with an estimated price per item."""
    product = shop.products[0]
    product.sold_by_weight = True
    product.allergens = ["milk"]
    product.save()
    Variant.objects.filter(product=product).update(price_cents=2400, estimated_weight_g=250)

    response = api.get(f"/api/v1/hubs/{shop.hub.slug}/products/{product.slug}")

    assert response.status_code == 200
    body = response.json()
    assert body["sold_by_weight"] is True
    assert body["allergens"] == ["milk"]
    variant = body["variants"][0]
    assert variant["price_cents"] == 2400
    assert variant["unit_price_cents"] == 2400
    assert variant["estimated_weight_g"] == 250
    assert variant["estimated_price_cents"] == 600


def test_franchise_producer_in_a_marketplace_charges_no_vat(api, db):
    """In a marketplace, a producer under the VAT franchise sells at rate 0."""
    shop = factories.make_shop(selling_mode=SellingMode.MARKETPLACE)
    shop.producers[0].vat_regime = VatRegime.FRANCHISE
    shop.producers[0].save()

    response = api.get(f"/api/v1/hubs/{shop.hub.slug}/products/{shop.products[0].slug}")

    assert response.json()["tax_rate_bp"] == 0


def test_sold_out_variant_is_listed_as_unavailable(api, shop):
    """A variant with no stock left is shown, but not available."""
    Stock.objects.filter(variant=shop.variant(1)).update(remaining=0)

    response = api.get(f"/api/v1/hubs/{shop.hub.slug}/products/{shop.products[1].slug}")

    assert response.json()["available"] is False
    assert response.json()["variants"][0]["available"] == 0
    assert response.json()["variants"][0]["is_available"] is False


def test_product_list_filters(api, shop):
    """Products filter by producer slug, category slug and words of the name."""
    url = f"/api/v1/hubs/{shop.hub.slug}/products"
    other = factories.category(shop.hub, slug="drinks")
    shop.products[2].category = other
    shop.products[2].save()

    by_producer = api.get(f"{url}?producer={shop.producers[1].slug}")
    by_category = api.get(f"{url}?category=drinks")
    by_words = api.get(f"{url}?q=miel%20lavande")
    no_match = api.get(f"{url}?q=caviar")
    control_only = api.get(f"{url}?q=%00")

    assert [p["name"] for p in by_producer.json()["items"]] == ["Miel de lavande", "Vin rouge"]
    assert [p["name"] for p in by_category.json()["items"]] == ["Vin rouge"]
    assert [p["name"] for p in by_words.json()["items"]] == ["Miel de lavande"]
    assert no_match.json() == {"count": 0, "page": 1, "page_size": 20, "items": []}
    assert control_only.json()["count"] == 3


def test_product_list_pages(api, shop):
    """Pages of page_size items, with the total count; past the end is empty."""
    url = f"/api/v1/hubs/{shop.hub.slug}/products"

    first = api.get(f"{url}?page=1&page_size=2").json()
    second = api.get(f"{url}?page=2&page_size=2").json()
    beyond = api.get(f"{url}?page=9&page_size=2").json()

    assert [len(first["items"]), len(second["items"]), len(beyond["items"])] == [2, 1, 0]
    assert first["count"] == second["count"] == beyond["count"] == 3
    assert {p["slug"] for p in first["items"] + second["items"]} == {p.slug for p in shop.products}


def test_hidden_products_are_not_shown(api, shop):
    """Products off sale or with no variant on sale are neither listed nor shown."""
    shop.products[0].is_active = False
    shop.products[0].save()
    Variant.objects.filter(product=shop.products[1]).update(is_active=False)

    listing = api.get(f"/api/v1/hubs/{shop.hub.slug}/products")
    detail = api.get(f"/api/v1/hubs/{shop.hub.slug}/products/{shop.products[0].slug}")

    assert [p["name"] for p in listing.json()["items"]] == ["Vin rouge"]
    assert detail.status_code == 404
    assert detail.json()["code"] == "not_found"


def test_products_of_an_inactive_producer_are_not_shown(api, shop):
    """A producer taken off the hub takes its products with it."""
    shop.producers[1].is_active = False
    shop.producers[1].save()

    listing = api.get(f"/api/v1/hubs/{shop.hub.slug}/products")

    assert [p["name"] for p in listing.json()["items"]] == ["Tomme de chèvre"]


def test_product_detail_lists_images(api, shop):
    """A product's detail has its description and images in order."""
    product = shop.products[0]
    product.description = "Au lait cru."
    product.save()
    ProductImage.objects.create(product=product, image="products/b.jpg", alt="B", position=2)
    ProductImage.objects.create(product=product, image="products/a.jpg", alt="A", position=1)

    body = api.get(f"/api/v1/hubs/{shop.hub.slug}/products/{product.slug}").json()

    assert body["description"] == "Au lait cru."
    assert [image["alt"] for image in body["images"]] == ["A", "B"]
    assert body["image_url"].endswith("products/a.jpg")
    assert body["has_withdrawal_right"] is True


def test_product_list_runs_a_constant_number_of_queries(api, shop, django_assert_max_num_queries):
    """Thirty products with images cost the same few queries as three."""
    category = factories.category(shop.hub)
    for index in range(30):
        product = factories.product(shop.producers[index % 2], category)
        ProductImage.objects.create(product=product, image=f"products/{index}.jpg")
    url = f"/api/v1/hubs/{shop.hub.slug}/products?page_size=100"

    # Hub, count, page, variants, images; one more for the request
    # middleware of the hub's traffic policy.
    with django_assert_max_num_queries(6):
        response = api.get(url)

    assert response.status_code == 200
    assert response.json()["count"] == 33
    assert len(response.json()["items"]) == 33


def test_unknown_hub_or_product_is_404(api, shop):
    """Unknown, closed or malformed hub and product slugs answer 404 not_found."""
    closed = factories.hub(is_active=False)
    urls = [
        "/api/v1/hubs/nowhere/products",
        f"/api/v1/hubs/{closed.slug}/categories",
        "/api/v1/hubs/%00/producers",
        "/api/v1/hubs/h%C3%A9/products",
        f"/api/v1/hubs/{shop.hub.slug}/products/unknown",
        f"/api/v1/hubs/{shop.hub.slug}/products/%00x",
        f"/api/v1/hubs/{shop.hub.slug}/products/{'x' * 500}",
    ]

    for url in urls:
        response = api.get(url)
        assert (url, response.status_code, response.json()["code"]) == (url, 404, "not_found")


def test_bad_paging_or_filters_are_422(api, shop):
    """Paging out of bounds or filters too long answer 422 invalid_input with the field."""
    url = f"/api/v1/hubs/{shop.hub.slug}/products"
    cases = {
        "page=0": "page",
        "page=abc": "page",
        "page=99999999999999999999999": "page",
        "page_size=101": "page_size",
        "page_size=-1": "page_size",
        f"q={'a' * 101}": "q",
        "category=%00": "category",
        "producer=a%20b": "producer",
    }

    for query, field in cases.items():
        response = api.get(f"{url}?{query}")
        assert response.status_code == 422, query
        assert response.json()["code"] == "invalid_input"
        assert list(response.json()["fields"]) == [field]
