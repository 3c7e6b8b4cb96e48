"""A hub's legal pages, filled from the hub's records, and the footer links."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories

PAGES = ["legal:terms", "legal:legal_notice", "legal:privacy", "legal:withdrawal"]


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def legal_shop(db):
    return factories.make_shop(
        legal_name="Coopérative Panier Nice SCIC",
        legal_form="SCIC SAS",
        share_capital="12 000 €",
        rcs="RCS Nice 732 829 320",
        siret="73282932000074",
        vat_number="FR40732829320",
        publication_director="Claire Martin",
        host_details="OVH SAS, 2 rue Kellermann, 59100 Roubaix, 1007",
        mediator_details="Médiateur de la consommation CM2C, 49 rue de Ponthieu, 75008 Paris, www.cm2c.net",
        min_order_cents=1500,
    )


@pytest.mark.parametrize("name", PAGES)
def test_every_legal_page_answers_with_the_hub_identity(client, legal_shop, name):
    """Each page shows the hub's legal name and the footer links to the four pages."""
    response = client.get(url(name, hub_slug=legal_shop.hub.slug))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Coopérative Panier Nice SCIC" in page
    for other in PAGES:
        assert f'href="{url(other, hub_slug=legal_shop.hub.slug)}"' in page
    assert f'href="{url("orders:withdraw")}"' in page
    assert f'href="{url("web:home")}"' in page


def test_legal_notice_lists_publisher_director_and_host(client, legal_shop):
    """Mentions légales: identity, capital, RCS, SIRET, VAT number, director, host."""
    page = client.get(url("legal:legal_notice", hub_slug=legal_shop.hub.slug)).content.decode()

    for text in (
        "SCIC SAS",
        "12 000 €",
        "RCS Nice 732 829 320",
        "73282932000074",
        "FR40732829320",
        "1 rue de la République, 06000 Nice",
        "+33493000000",
        legal_shop.hub.email,
        "Claire Martin",
        "OVH SAS, 2 rue Kellermann, 59100 Roubaix, 1007",
    ):
        assert text in page


def test_terms_give_the_pre_contractual_information(client, legal_shop):
    """CGV: identity, prices incl. VAT, zones and fees, withdrawal and its exceptions, guarantee, mediator."""
    page = client.get(url("legal:terms", hub_slug=legal_shop.hub.slug)).content.decode()

    assert "73282932000074" in page
    assert "FR40732829320" in page
    assert "all taxes included" in page
    assert "The minimum order is €15.00 of goods." in page
    assert "Nice centre" in page
    assert "06000, 06100" in page
    assert "€6.90" in page
    assert "€60.00" in page
    assert "Épicerie du port" in page
    assert "within 14 days" in page
    assert "L221-28" in page
    assert "Withdraw from the contract here" in page
    assert "Model withdrawal form" in page
    assert "L217-3" in page
    assert "Médiateur de la consommation CM2C" in page
    assert "Order with obligation to pay" in page
    assert "odr" not in page.lower()


def test_withdrawal_page_links_to_the_online_function_and_gives_the_model_form(client, legal_shop):
    """The withdrawal page: information, the online function, the model form addressed to the hub."""
    page = client.get(url("legal:withdrawal", hub_slug=legal_shop.hub.slug)).content.decode()

    assert f'<a href="{url("orders:withdraw")}"><strong>Withdraw from the contract here</strong></a>' in page
    assert "To Coopérative Panier Nice SCIC, 1 rue de la République, 06000 Nice" in page
    assert "(*) Delete as appropriate." in page


def test_privacy_page_names_the_controller_retention_and_cookies(client, legal_shop):
    """GDPR notice: controller, legal bases, retention periods, rights, no cookie banner and why."""
    page = client.get(url("legal:privacy", hub_slug=legal_shop.hub.slug)).content.decode()

    assert "The controller is Coopérative Panier Nice SCIC" in page
    assert "Performance of the contract" in page
    assert "10 years" in page
    assert "3 years from your last purchase" in page
    assert "13 months" in page
    assert "CNIL" in page
    assert "there is no cookie banner" in page


def test_legal_pages_of_an_unknown_hub_are_404(client, db):
    """An unknown hub slug answers 404."""
    assert client.get(url("legal:terms", hub_slug="nowhere")).status_code == 404


def test_footer_without_a_hub_links_only_to_the_platform_home(client, legal_shop):
    """Pages outside a hub show no hub legal links, only the platform home."""
    page = client.get(url("orders:withdraw")).content.decode()

    assert f'href="{url("web:home")}"' in page
    assert "/legal/terms/" not in page


def test_legal_pages_run_a_bounded_number_of_queries(client, legal_shop, django_assert_max_num_queries):
    """Each legal page costs a fixed, small number of queries."""
    for name in PAGES:
        with django_assert_max_num_queries(8):
            client.get(url(name, hub_slug=legal_shop.hub.slug))
