import io
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from panier.cart.services import cart_add, cart_create
from panier.catalog.models import Product, ProductImage, Variant
from panier.checkout.services import CheckoutDetails, checkout_complete
from panier.inventory.models import MovementReason, Stock, StockMovement
from panier.orders.forms_producer import price_text_to_cents
from panier.orders.services import order_transition
from panier.producers.models import ProducerStaff
from tests import factories


@pytest.fixture(autouse=True)
def _french():
    """Pages and reversed URLs in the default language, whatever ran before."""
    with translation.override("fr"):
        yield


def url(name, producer, **kw):
    return reverse(f"producer:{name}", kwargs={"producer_id": producer.pk, **kw})


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def cheese(shop, client):
    """The producer user of the first producer, logged in."""
    factories.login_staff(client, shop.producer_user)
    return shop.producers[0]


def product_data(shop, **kw):
    data = {
        "name": "Brousse du Rove",
        "name_en": "Rove brousse",
        "description": "Fromage frais de chèvre",
        "description_en": "",
        "category": shop.products[0].category_id,
        "tax_category": "food",
        "is_food": "on",
        "unit": "kg",
        "origin": "Alpes-Maritimes",
        "ingredients": "Lait cru de chèvre, sel",
        "allergens": ["milk"],
        "storage": "Entre 0 et 4 °C",
        "withdrawal_exception": "perishable",
        "is_active": "on",
    }
    data.update(kw)
    return data


def variant_data(**kw):
    data = {"label": "250 g", "sku": "BR-250", "price_cents": "12,50", "net_quantity": "250", "is_active": "on"}
    data.update(kw)
    return data


# Prices ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12,50", 1250),
        ("12.50", 1250),
        ("12,5", 1250),
        ("12", 1200),
        (" 0,99 € ", 99),
        ("0.01", 1),
        ("99999,99", 9999999),
        ("100000,01", None),
        ("abc", None),
        ("-1", None),
        ("0", None),
        ("0,00", None),
        ("12,505", None),
        ("1,234.50", None),
        ("12,50,1", None),
        ("1e3", None),
        ("", None),
        ("NaN", None),
        ("12345678", None),
    ],
)
def test_price_text_is_read_exactly(text, cents):
    """Prices typed in euros become exact cents; anything else is refused."""
    assert price_text_to_cents(text) == cents


# Access -----------------------------------------------------------------------


def test_index_goes_to_the_only_producer(client, shop, cheese):
    """A user staffing one producer lands on its overview."""
    response = client.get(reverse("producer:index"))

    assert response.status_code == 302
    assert response.url == url("dashboard", cheese)


def test_index_lets_a_user_with_several_producers_choose(client, shop, cheese):
    """A user staffing two producers picks one."""
    ProducerStaff.objects.create(producer=shop.producers[1], user=shop.producer_user)

    response = client.get(reverse("producer:index"))

    assert response.status_code == 200
    assert url("dashboard", shop.producers[1]) in response.content.decode()
    assert url("dashboard", cheese) in response.content.decode()


def test_back_office_is_closed_to_customers_and_anonymous(client, shop):
    """An anonymous visitor must log in; a customer is refused."""
    anonymous = client.get(url("dashboard", shop.producers[0]))
    client.force_login(factories.user())
    customer_index = client.get(reverse("producer:index"))
    customer_page = client.get(url("dashboard", shop.producers[0]))

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))
    assert customer_index.status_code == 403
    assert customer_page.status_code == 404


def test_dashboard_lists_out_of_stock_and_next_collections(client, shop, cheese, django_assert_max_num_queries):
    """The overview counts products and shows the next day with goods to bring."""
    Stock.objects.filter(variant=shop.variant(0)).update(remaining=0)
    order = factories.placed_order(shop, [(1, 1)])
    other = factories.product(cheese, shop.products[0].category, name="Tomme de vache", stock=4)
    day = shop.delivery_slot.starts_at.astimezone(ZoneInfo("Europe/Paris")).date()

    with django_assert_max_num_queries(12):
        response = client.get(url("dashboard", cheese))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Tomme de chèvre" in body
    assert other.name not in body  # in stock, so not listed
    assert f"day={day:%Y-%m-%d}" not in body  # the paid order is of the other producer
    assert order.number not in body


# Products -----------------------------------------------------------------------


def test_product_list_shows_only_own_products(client, shop, cheese, django_assert_max_num_queries):
    """A producer sees its products, never another producer's."""
    with django_assert_max_num_queries(10):
        response = client.get(url("product_list", cheese))

    body = response.content.decode()
    assert "Tomme de chèvre" in body
    assert "Miel de lavande" not in body
    assert "Vin rouge" not in body


def test_create_product_then_add_a_variant_at_a_typed_price(client, shop, cheese):
    """A new product gets a slug and search text; its variant price "12,50" is 1250 cents."""
    response = client.post(url("product_create", cheese), product_data(shop))

    product = Product.objects.get(name="Brousse du Rove")
    assert response.status_code == 302
    assert response.url == url("product_edit", cheese, product_id=product.pk)
    assert product.producer == cheese
    assert product.hub == shop.hub
    assert product.slug == "brousse-du-rove"
    assert product.allergens == ["milk"]
    assert product.withdrawal_exception == "perishable"
    assert "fromage frais de chevre" in product.search_text
    assert "fromagerie du col" in product.search_text

    response = client.post(url("variant_create", cheese, product_id=product.pk), variant_data())

    variant = Variant.objects.get(product=product)
    assert response.status_code == 302
    assert variant.price_cents == 1250
    assert variant.net_quantity == 250


@pytest.mark.parametrize("price", ["abc", "-1", "0", "12,345", ""])
def test_variant_with_a_bad_price_is_a_form_error(client, shop, cheese, price):
    """A price that is not a positive amount in euros is refused, nothing saved."""
    product = shop.products[0]

    response = client.post(url("variant_create", cheese, product_id=product.pk), variant_data(price_cents=price))

    assert response.status_code == 400
    assert response.context["form"].errors["price_cents"]
    assert product.variants.count() == 1


def test_edit_variant_keeps_the_price_exact(client, shop, cheese):
    """Editing shows the price as "6,50" and "12.50" saves 1250 cents."""
    variant = shop.variant(0)

    page = client.get(url("variant_edit", cheese, variant_id=variant.pk))
    response = client.post(
        url("variant_edit", cheese, variant_id=variant.pk),
        variant_data(sku=variant.sku, label="1 kg", price_cents="12.50", net_quantity="1000"),
    )

    variant.refresh_from_db()
    assert 'value="6,50"' in page.content.decode()
    assert response.status_code == 302
    assert (variant.label, variant.price_cents, variant.net_quantity) == ("1 kg", 1250, 1000)


def test_duplicate_sku_is_refused(client, shop, cheese):
    """Two variants of a product cannot share a SKU."""
    product = shop.products[0]

    response = client.post(
        url("variant_create", cheese, product_id=product.pk), variant_data(sku=shop.variant(0).sku)
    )

    assert response.status_code == 409
    assert response.context["form"].errors["sku"]


def test_weighed_goods_need_an_estimated_weight(client, shop, cheese):
    """A variant of goods sold by weight without an estimated weight is refused."""
    product = shop.products[0]
    Product.objects.filter(pk=product.pk).update(sold_by_weight=True)

    refused = client.post(url("variant_create", cheese, product_id=product.pk), variant_data(sku="W1"))
    accepted = client.post(
        url("variant_create", cheese, product_id=product.pk),
        variant_data(sku="W1", price_cents="24,00", estimated_weight_g="300"),
    )

    assert refused.status_code == 400
    assert refused.context["form"].errors["estimated_weight_g"]
    assert accepted.status_code == 302
    assert product.variants.get(sku="W1").estimated_weight_g == 300


def test_edit_product_refreshes_search_text(client, shop, cheese):
    """Renaming a product updates its accent-free search words."""
    product = shop.products[0]

    response = client.post(
        url("product_edit", cheese, product_id=product.pk), product_data(shop, name="Tomme à l'ail des ours")
    )

    product.refresh_from_db()
    assert response.status_code == 302
    assert product.name == "Tomme à l'ail des ours"
    assert product.search_text.startswith("tomme a l'ail des ours")


def test_category_of_another_hub_is_refused(client, shop, cheese):
    """A product cannot be filed in another hub's category."""
    foreign = factories.category(factories.hub())

    response = client.post(url("product_create", cheese), product_data(shop, category=foreign.pk))

    assert response.status_code == 400
    assert response.context["form"].errors["category"]
    assert not Product.objects.filter(name="Brousse du Rove").exists()


def test_photo_upload_accepts_images_and_refuses_other_files(client, shop, cheese):
    """A PNG is stored; a text file named .png is a form error."""
    product = shop.products[0]
    target = url("photo_add", cheese, product_id=product.pk)

    ok = client.post(target, {"image": SimpleUploadedFile("t.png", png_bytes(), "image/png"), "alt": "Une tomme"})
    bad = client.post(target, {"image": SimpleUploadedFile("x.png", b"not an image", "image/png")})

    assert ok.status_code == 302
    assert bad.status_code == 400
    assert bad.context["photo_form"].errors["image"]
    image = ProductImage.objects.get(product=product)
    assert image.alt == "Une tomme"

    client.post(url("photo_delete", cheese, image_id=image.pk))
    assert not ProductImage.objects.filter(product=product).exists()


# Stock --------------------------------------------------------------------------


def test_stock_is_set_and_recorded(client, shop, cheese, django_assert_max_num_queries):
    """Setting units available changes the stock and writes a movement."""
    variant = shop.variant(0)

    with django_assert_max_num_queries(10):
        page = client.get(url("stock", cheese))
    response = client.post(url("stock_update", cheese, variant_id=variant.pk), {"remaining": "25"})

    assert page.status_code == 200
    assert response.status_code == 302
    assert Stock.objects.get(variant=variant).remaining == 25
    movement = StockMovement.objects.get(variant=variant)
    assert (movement.delta, movement.reason) == (15, MovementReason.ADJUSTMENT)


@pytest.mark.parametrize("value", ["-1", "abc", ""])
def test_bad_stock_is_a_form_error(client, shop, cheese, value):
    """A negative or non-numeric stock is refused and changes nothing."""
    variant = shop.variant(0)

    response = client.post(url("stock_update", cheese, variant_id=variant.pk), {"remaining": value})

    assert response.status_code == 400
    assert Stock.objects.get(variant=variant).remaining == 10


# Orders and collection list ---------------------------------------------------------


def test_orders_show_only_own_lines_and_no_contact_data(client, shop, cheese, django_assert_max_num_queries):
    """A producer sees its lines of an order, the number, slot and first name only."""
    order = factories.placed_order(shop, [(0, 2), (1, 1)], first_name="Alice")
    for _ in range(3):
        factories.placed_order(shop, [(0, 1)])

    with django_assert_max_num_queries(10):
        listing = client.get(url("order_list", cheese))
    detail = client.get(url("order_detail", cheese, number=order.number))

    for response in (listing, detail):
        body = response.content.decode()
        assert response.status_code == 200
        assert order.number in body
        assert "Alice" in body
        assert "Tomme de chèvre" in body
        assert "Miel de lavande" not in body
        assert "Durand" not in body
        assert "alice@example.org" not in body
        assert "Rossini" not in body
        assert "+33612345678" not in body


def test_unpaid_orders_are_not_shown_to_producers(client, shop, cheese):
    """An order waiting for payment is not in the producer's list."""
    unpaid = factories.placed_order(shop, [(0, 1)], paid=False)

    body = client.get(url("order_list", cheese)).content.decode()

    assert unpaid.number not in body
    assert client.get(url("order_detail", cheese, number=unpaid.number)).status_code == 404


def test_collection_list_adds_up_the_ordered_quantities(client, shop, cheese, django_assert_max_num_queries):
    """Per variant, the list sums the units of paid orders of the day and names the orders."""
    tomme = shop.products[0]
    base = shop.variant(0)
    a = factories.placed_order(shop, [(0, 2), (1, 1)])
    b = factories.placed_order(shop, [(0, 3)], pickup=True)
    cart_order = factories.placed_order(shop, [(0, 1)])
    order_transition(order_id=cart_order.pk, target="in_preparation")
    cancelled = factories.placed_order(shop, [(0, 4)])
    order_transition(order_id=cancelled.pk, target="cancelled")
    unpaid = factories.placed_order(shop, [(0, 1)], paid=False)
    extra = Variant.objects.create(product=tomme, sku="T1K", label="1 kg", price_cents=2400, net_quantity=1000)
    Stock.objects.create(variant=extra, remaining=10)
    # A second variant of the same product, in another order.
    cart = cart_create(hub=shop.hub)
    cart_add(cart=cart, variant_id=extra.pk, quantity=2)
    big = checkout_complete(
        hub=shop.hub, cart=cart, checkout_token=uuid.uuid4(),
        details=CheckoutDetails(fulfilment="pickup", slot_id=shop.pickup_slot.pk, pickup_point_id=shop.pickup_point.pk,
                                email="c@example.org", first_name="Chloé", last_name="Roux", phone="0612345678",
                                accepted_terms=True),
    )
    order_transition(order_id=big.pk, target="paid")
    day = shop.delivery_slot.starts_at.astimezone(ZoneInfo(shop.hub.timezone)).date()
    assert shop.pickup_slot.starts_at.astimezone(ZoneInfo(shop.hub.timezone)).date() == day

    with django_assert_max_num_queries(10):
        response = client.get(url("collection", cheese) + f"?day={day:%Y-%m-%d}")

    rows = {row.variant_id: row for row in response.context["rows"]}
    assert response.status_code == 200
    assert set(rows) == {base.pk, extra.pk}
    assert rows[base.pk].quantity == 2 + 3 + 1
    assert sorted(rows[base.pk].order_numbers) == sorted([a.number, b.number, cart_order.number])
    assert rows[extra.pk].quantity == 2
    assert rows[extra.pk].order_numbers == [big.number]
    assert response.context["total_units"] == 8
    body = response.content.decode()
    assert cancelled.number not in body
    assert unpaid.number not in body
    assert "Miel" not in body
    assert "@media print" not in body  # printing uses the shared stylesheet


def test_collection_list_of_an_empty_day_and_a_bad_date(client, shop, cheese):
    """A day without orders shows an empty list; a malformed date is a 400, not a 500."""
    empty = client.get(url("collection", cheese) + "?day=2020-01-01")
    bad = client.get(url("collection", cheese) + "?day=tomorrow")

    assert empty.status_code == 200
    assert empty.context["rows"] == []
    assert bad.status_code == 400


def test_collection_list_defaults_to_the_next_day_with_goods(client, shop, cheese):
    """Without a date the list opens on the next delivery day with paid orders."""
    order = factories.placed_order(shop, [(0, 2)])

    response = client.get(url("collection", cheese))

    assert response.context["rows"][0].quantity == 2
    assert order.number in response.content.decode()


# Another producer's objects: every object URL answers 404 ------------------------------


@pytest.fixture
def foreign(shop):
    """Objects of the second producer (honey), which the cheese user does not staff."""
    honey = shop.producers[1]
    product = shop.products[1]
    image = ProductImage.objects.create(product=product, image=SimpleUploadedFile("h.png", png_bytes(), "image/png"))
    order = factories.placed_order(shop, [(1, 1)])
    return {"producer": honey, "product": product, "variant": shop.variant(1), "image": image, "order": order}


def _foreign_urls(cheese, foreign):
    honey = foreign["producer"]
    own = {"producer_id": cheese.pk}
    other = {"producer_id": honey.pk}
    p, v, i, o = foreign["product"].pk, foreign["variant"].pk, foreign["image"].pk, foreign["order"].number
    return [
        # Another producer's id in the URL.
        ("get", reverse("producer:dashboard", kwargs=other)),
        ("get", reverse("producer:product_list", kwargs=other)),
        ("get", reverse("producer:product_create", kwargs=other)),
        ("get", reverse("producer:stock", kwargs=other)),
        ("get", reverse("producer:order_list", kwargs=other)),
        ("get", reverse("producer:collection", kwargs=other)),
        ("get", reverse("producer:product_edit", kwargs={**other, "product_id": p})),
        ("get", reverse("producer:order_detail", kwargs={**other, "number": o})),
        # Own producer id, another producer's object.
        ("get", reverse("producer:product_edit", kwargs={**own, "product_id": p})),
        ("post", reverse("producer:product_edit", kwargs={**own, "product_id": p})),
        ("get", reverse("producer:variant_create", kwargs={**own, "product_id": p})),
        ("post", reverse("producer:variant_create", kwargs={**own, "product_id": p})),
        ("get", reverse("producer:variant_edit", kwargs={**own, "variant_id": v})),
        ("post", reverse("producer:variant_edit", kwargs={**own, "variant_id": v})),
        ("post", reverse("producer:stock_update", kwargs={**own, "variant_id": v})),
        ("post", reverse("producer:photo_add", kwargs={**own, "product_id": p})),
        ("post", reverse("producer:photo_delete", kwargs={**own, "image_id": i})),
        ("get", reverse("producer:order_detail", kwargs={**own, "number": o})),
    ]


def test_every_object_url_of_another_producer_is_404(client, shop, cheese, foreign):
    """No page lets a producer see or change another producer's products, stock, photos or orders."""
    urls = _foreign_urls(cheese, foreign)
    answers = {}
    for method, target in urls:
        data = {"remaining": "99", "price_cents": "1,00", "label": "x", "sku": "x", "name": "x"}
        answers[(method, target)] = getattr(client, method)(target, data if method == "post" else None).status_code

    assert set(answers.values()) == {404}, answers
    assert len(answers) == len(urls) == 18
    assert Stock.objects.get(variant=foreign["variant"]).remaining == 5 - 1
    assert ProductImage.objects.filter(pk=foreign["image"].pk).exists()
    assert foreign["variant"].product.variants.count() == 1
    assert Product.objects.get(pk=foreign["product"].pk).name == "Miel de lavande"


def test_the_honey_producer_sees_its_order_lines(client, shop, foreign):
    """The same order is visible to the producer whose goods it holds."""
    honey_user = factories.user()
    ProducerStaff.objects.create(producer=foreign["producer"], user=honey_user)
    factories.login_staff(client, honey_user)

    response = client.get(url("order_detail", foreign["producer"], number=foreign["order"].number))

    assert response.status_code == 200
    assert "Miel de lavande" in response.content.decode()
