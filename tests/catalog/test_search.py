"""Product search: full text on PostgreSQL, accent-free word match elsewhere."""

import pytest
from django.urls import reverse

from panier.catalog.models import Product
from panier.catalog.selectors import product_search_list
from panier.catalog.services import product_search_text_refresh
from tests import factories
from tests.catalog.utils import html, shows


def names(shop, query):
    return [p.name for p in product_search_list(hub=shop.hub, query=query)]


@pytest.fixture
def cheeses(shop):
    """The shop with a few more products with descriptions and English names."""
    category = factories.category(shop.hub, name="Crèmerie", name_en="Dairy", slug="cremerie")
    factories.product(
        shop.producers[0], category, name="Fromage frais", name_en="Fresh cheese",
        description="Un fromage de chèvre doux, moulé à la louche.",
    )
    factories.product(
        shop.producers[0], category, name="Yaourt nature", name_en="Plain yoghurt",
        description="Lait entier de vache.",
    )
    factories.product(shop.producers[1], shop.products[0].category, name="Pain d'épices", description="Au miel de lavande.")
    return shop


def test_search_is_case_and_accent_insensitive(cheeses):
    """"CHEVRE" finds the products that mention "chèvre"."""
    assert sorted(names(cheeses, "CHEVRE")) == ["Fromage frais", "Tomme de chèvre"]
    assert sorted(names(cheeses, "épices")) == ["Pain d'épices"]
    assert sorted(names(cheeses, "epices")) == ["Pain d'épices"]


def test_search_needs_every_word(cheeses):
    """All the words of a query must match; a word may start another ("miel", "Miellerie")."""
    assert sorted(names(cheeses, "miel")) == ["Miel de lavande", "Pain d'épices", "Vin rouge"]
    assert names(cheeses, "miel pain") == ["Pain d'épices"]
    assert names(cheeses, "miel fromage") == []


def test_search_looks_at_description_english_name_producer_and_category(cheeses):
    """Descriptions, English names, producer and category names are searched."""
    assert names(cheeses, "louche") == ["Fromage frais"]
    assert names(cheeses, "yoghurt") == ["Yaourt nature"]
    assert sorted(names(cheeses, "Fromagerie")) == ["Fromage frais", "Tomme de chèvre", "Yaourt nature"]
    assert sorted(names(cheeses, "cremerie")) == ["Fromage frais", "Yaourt nature"]


def test_search_ignores_empty_queries_and_other_hubs(cheeses):
    """An empty query finds nothing, and another hub's products are never found."""
    other = factories.make_shop()
    Product.objects.filter(pk=other.products[1].pk).update(name="Miel de châtaignier")

    assert names(cheeses, "") == []
    assert names(cheeses, "  !!  ") == []
    assert "Miel de châtaignier" not in names(cheeses, "miel")


def test_search_page_shows_results(client, cheeses):
    """The search page lists the matches and keeps the query in the form."""
    response = client.get(reverse("catalog:search", kwargs={"hub_slug": cheeses.hub.slug}), {"q": "Lavande"})

    assert response.status_code == 200
    assert shows(response, "Miel de lavande")
    assert shows(response, "Pain d'épices")
    assert not shows(response, "Tomme de chèvre")
    assert 'name="q" value="Lavande"' in html(response)


def test_search_page_accepts_odd_queries(client, shop):
    """Very long, symbol-only and empty queries answer 200."""
    path = reverse("catalog:search", kwargs={"hub_slug": shop.hub.slug})

    for query in ["", "x" * 5000, "'; DROP TABLE --", "& | ! :* ()", "\u00e9\u0301"]:
        assert client.get(path, {"q": query}).status_code == 200


def test_search_text_refresh_stores_accent_free_text(cheeses):
    """product_search_text_refresh keeps the accent-free search text up to date."""
    product = Product.objects.select_related("producer", "category").get(name="Fromage frais")

    product_search_text_refresh(product)

    product.refresh_from_db()
    assert product.search_text == (
        "fromage frais fresh cheese un fromage de chevre doux, moule a la louche. "
        "fromagerie du col cremerie dairy"
    )


@pytest.mark.postgres
def test_postgres_search_matches_stems_and_prefixes(cheeses):
    """French stems and prefixes match: "fromages" and "from" find "fromage"."""
    assert sorted(names(cheeses, "fromages")) == ["Fromage frais", "Tomme de chèvre", "Yaourt nature"]
    assert "Fromage frais" in names(cheeses, "from")
    assert names(cheeses, "fromages frais") == ["Fromage frais"]
    assert sorted(names(cheeses, "chevres")) == ["Fromage frais", "Tomme de chèvre"]


@pytest.mark.postgres
def test_postgres_search_ranks_name_matches_first(cheeses):
    """A match in the name ranks above a match in the description."""
    assert names(cheeses, "lavande") == ["Miel de lavande", "Pain d'épices"]
    assert names(cheeses, "fromage")[0] == "Fromage frais"
