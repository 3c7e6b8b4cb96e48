from django.urls import reverse

from panier.catalog.models import Allergen, Product, ProductImage, WithdrawalException
from panier.inventory.models import Stock
from tests import factories
from tests.catalog.utils import fr, frn, html, many_products, shows, variant


def url(name, shop, **kw):
    return reverse(f"catalog:{name}", kwargs={"hub_slug": shop.hub.slug, **kw})


def test_hub_home_lists_categories_producers_and_products(client, shop):
    """The hub home shows its categories, its producers and its newest products."""
    category = shop.products[0].category

    response = client.get(url("hub_home", shop))

    assert response.status_code == 200
    assert shows(response, shop.hub.name)
    assert shows(response, category.name)
    assert shows(response, "Fromagerie du Col")
    assert shows(response, "Miellerie des Baous")
    assert shows(response, "Tomme de chèvre")
    assert shows(response, "Miel de lavande")
    assert url("category", shop, slug=category.slug) in html(response)


def test_product_list_shows_price_unit_price_producer_and_availability(client, shop):
    """A product card shows its price incl. VAT, price per kg, producer link and stock."""
    response = client.get(url("product_list", shop))

    assert response.status_code == 200
    assert shows(response, "Tomme de chèvre")
    assert shows(response, "6,50\xa0€")
    # 6.50 € for 500 g is 13.00 € per kg.
    assert shows(response, "(13,00\xa0€/" + fr("kg") + ")")
    assert url("producer", shop, slug=shop.producers[0].slug) in html(response)
    assert shows(response, fr("Prices include VAT."))
    assert shows(response, fr("In stock"))
    # 3 bottles of wine left is "only 3 left".
    assert shows(response, frn("Only %(counter)s left", "Only %(counter)s left", 3))


def test_product_card_shows_sold_out_and_no_add_button(client, shop):
    """A product whose only variant has no stock is shown sold out, without a form."""
    Stock.objects.filter(variant=shop.variant(2)).update(remaining=0)

    response = client.get(url("product", shop, slug=shop.products[2].slug))

    assert response.status_code == 200
    assert shows(response, fr("Sold out"))
    assert reverse("cart:add", kwargs={"hub_slug": shop.hub.slug}) not in html(response)


def test_product_card_has_an_add_to_basket_form_per_variant(client, shop):
    """Each variant is an option of the add form, which posts to the basket."""
    product = shop.products[0]
    first = shop.variant(0)
    second = variant(product, sku="TOMME-1KG", label="1 kg", price_cents=1200)
    sold_out = variant(product, sku="TOMME-2KG", label="2 kg", price_cents=2300, stock=0)

    response = client.get(url("product", shop, slug=product.slug))

    page = html(response)
    assert f'action="{reverse("cart:add", kwargs={"hub_slug": shop.hub.slug})}"' in page
    assert f'<option value="{first.pk}">' in page
    assert f'<option value="{second.pk}">1 kg – 12,00\xa0€</option>' in page
    assert f'<option value="{sold_out.pk}" disabled>' in page
    assert 'name="quantity"' in page
    assert f'name="next" value="{url("product", shop, slug=product.slug)}"' in page


def test_product_list_filters_by_category_and_producer(client, shop):
    """The category and producer filters keep only the matching products."""
    other = factories.category(shop.hub, name="Boissons", slug="boissons")
    Product.objects.filter(pk=shop.products[2].pk).update(category=other)

    by_category = client.get(url("product_list", shop), {"category": "boissons"})
    by_producer = client.get(url("product_list", shop), {"producer": shop.producers[0].slug})

    assert shows(by_category, "Vin rouge")
    assert not shows(by_category, "Miel de lavande")
    assert shows(by_producer, "Tomme de chèvre")
    assert not shows(by_producer, "Miel de lavande")
    assert not shows(by_producer, "Vin rouge")


def test_product_list_is_paginated_by_24(client, shop):
    """30 more products make two pages: 24 on the first, the rest on the second."""
    many_products(shop, 30)

    first = client.get(url("product_list", shop))
    second = client.get(url("product_list", shop), {"page": "2"})
    beyond = client.get(url("product_list", shop), {"page": "abc"})

    assert html(first).count('class="card product-card"') == 24
    assert html(second).count('class="card product-card"') == 33 - 24
    assert 'rel="next" href="?page=2"' in html(first)
    assert beyond.status_code == 200


def test_category_page_lists_its_products_only(client, shop):
    """A category page shows the products of that category."""
    other = factories.category(shop.hub, name="Boissons", slug="boissons")
    Product.objects.filter(pk=shop.products[2].pk).update(category=other)

    response = client.get(url("category", shop, slug="boissons"))

    assert response.status_code == 200
    assert shows(response, "Boissons")
    assert shows(response, "Vin rouge")
    assert not shows(response, "Tomme de chèvre")


def test_unknown_category_or_producer_is_404(client, shop):
    """Unknown slugs answer 404."""
    assert client.get(url("category", shop, slug="nope")).status_code == 404
    assert client.get(url("producer", shop, slug="nope")).status_code == 404
    assert client.get(url("product", shop, slug="nope")).status_code == 404


def test_producer_pages(client, shop):
    """The producer list links each producer; a producer page lists its products."""
    listing = client.get(url("producer_list", shop))
    page = client.get(url("producer", shop, slug=shop.producers[1].slug))

    assert listing.status_code == 200
    assert url("producer", shop, slug=shop.producers[0].slug) in html(listing)
    assert url("producer", shop, slug=shop.producers[1].slug) in html(listing)
    assert page.status_code == 200
    assert shows(page, "Miellerie des Baous")
    assert shows(page, "Miel de lavande")
    assert not shows(page, "Tomme de chèvre")


def test_product_page_shows_food_information(client, shop):
    """The product page shows ingredients, highlighted allergens, storage, origin and VAT rate."""
    product = shop.products[0]
    Product.objects.filter(pk=product.pk).update(
        ingredients="Lait cru de chèvre, sel, présure",
        allergens=[Allergen.MILK, Allergen.EGGS, "unknown"],
        storage="Entre 4 et 8 °C",
        origin="Alpes-Maritimes",
        description="Une tomme affinée trois mois.",
        withdrawal_exception=WithdrawalException.PERISHABLE,
    )

    response = client.get(url("product", shop, slug=product.slug))

    assert response.status_code == 200
    assert shows(response, "Lait cru de chèvre, sel, présure")
    assert f'<strong class="allergen">{fr(Allergen.MILK.label)}</strong>' in html(response)
    assert f'<strong class="allergen">{fr(Allergen.EGGS.label)}</strong>' in html(response)
    assert "unknown" not in html(response)
    assert shows(response, "Entre 4 et 8 °C")
    assert shows(response, "Alpes-Maritimes")
    assert shows(response, "Une tomme affinée trois mois.")
    assert shows(response, "5,5\xa0%")
    assert shows(
        response, fr("Perishable goods: no withdrawal right (art. L221-28 of the French Consumer Code).")
    )


def test_product_page_without_exception_has_no_withdrawal_notice(client, shop):
    """Goods with a withdrawal right show no exception notice; wine shows 20 % VAT."""
    response = client.get(url("product", shop, slug=shop.products[2].slug))

    assert "withdrawal-notice" not in html(response)
    assert shows(response, "20\xa0%")


def test_product_sold_by_weight_shows_price_per_kg_and_estimate(client, shop):
    """A product sold by weight shows its per-kg price, an estimated item price and a note."""
    product = factories.product(shop.producers[0], shop.products[0].category, name="Tomme à la coupe", sold_by_weight=True)
    product.variants.update(price_cents=2480, estimated_weight_g=350, net_quantity=None)

    response = client.get(url("product", shop, slug=product.slug))

    # 24.80 € per kg × 350 g = 8.68 €.
    assert shows(response, "24,80\xa0€/" + fr("kg"))
    assert shows(response, "8,68\xa0€")
    assert shows(
        response,
        fr("Sold by weight: the price shown per item is an estimate; the final price is set when the item is weighed."),
    )


def test_product_page_shows_photo_or_placeholder(client, shop):
    """A product with a photo shows it with its description; without one, a placeholder."""
    with_photo, without = shop.products[0], shop.products[1]
    ProductImage.objects.create(product=with_photo, image="products/tomme.jpg", alt="Une tomme entière")

    first = client.get(url("product", shop, slug=with_photo.slug))
    second = client.get(url("product", shop, slug=without.slug))

    assert '<img src="/media/products/tomme.jpg" alt="Une tomme entière">' in html(first)
    assert 'class="photo-placeholder"' in html(second)


def test_english_pages_show_english_names(client, shop):
    """Under /en/ the product and category names are the English ones."""
    Product.objects.filter(pk=shop.products[0].pk).update(name_en="Goat tomme")

    list_url = "/en" + url("product_list", shop)
    detail_url = "/en" + url("product", shop, slug=shop.products[0].slug)

    response = client.get(list_url)
    detail = client.get(detail_url)

    assert response.status_code == 200
    assert shows(response, "Goat tomme")
    assert not shows(response, "Tomme de chèvre")
    assert shows(response, shop.products[0].category.name_en)
    assert shows(detail, "Goat tomme")
    assert shows(detail, "Prices include VAT (5.5%).")


def test_other_hubs_product_is_404(client, shop):
    """A product of another hub cannot be reached through this hub's URLs."""
    other = factories.make_shop()
    Product.objects.filter(pk=other.products[0].pk).update(name="Brousse du Rove")

    response = client.get(url("product", shop, slug=other.products[0].slug))
    listing = client.get(url("product_list", shop))
    search = client.get(url("search", shop), {"q": "brousse"})

    assert response.status_code == 404
    assert not shows(listing, "Brousse du Rove")
    assert not shows(search, "Brousse du Rove")


def test_inactive_products_and_variants_are_hidden(client, shop):
    """Products off sale, or without any variant on sale, are not shown."""
    Product.objects.filter(pk=shop.products[0].pk).update(is_active=False)
    shop.products[1].variants.update(is_active=False)

    listing = client.get(url("product_list", shop))
    detail = client.get(url("product", shop, slug=shop.products[0].slug))

    assert not shows(listing, "Tomme de chèvre")
    assert not shows(listing, "Miel de lavande")
    assert shows(listing, "Vin rouge")
    assert detail.status_code == 404


def test_unknown_hub_is_404(client, db):
    """A slug that is not an open hub answers 404."""
    assert client.get("/no-such-hub/products/").status_code == 404
