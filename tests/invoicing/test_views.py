"""Downloading invoices: the customer theirs, hub staff their hub's."""

import pytest
from django.urls import reverse

from panier.invoicing.services import invoice_issue_for_order
from tests import factories


@pytest.fixture
def invoice(paid_order):
    [invoice] = invoice_issue_for_order(order=paid_order, render=False)
    return invoice


def test_guest_downloads_the_pdf_with_the_order_key(client, invoice, paid_order, django_assert_max_num_queries):
    """The order's access key opens its invoice PDF as an attachment."""
    url = reverse("invoicing:customer_pdf", kwargs={"public_id": invoice.public_id})
    client.get(url, {"key": str(paid_order.access_key)})  # first download renders and stores the PDF

    with django_assert_max_num_queries(8):  # + 5 for the page's audit entry
        response = client.get(url, {"key": str(paid_order.access_key)})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("key", [None, "not-a-key", "00000000-0000-0000-0000-000000000000"])
def test_without_the_right_key_the_invoice_is_not_found(client, invoice, key):
    """A wrong or missing key answers 404, never a 500."""
    url = reverse("invoicing:customer_pdf", kwargs={"public_id": invoice.public_id})
    response = client.get(url, {"key": key} if key else {})
    assert response.status_code == 404


def test_signed_in_owner_downloads_without_a_key(client, invoice, paid_order):
    """The customer who placed the order downloads it when signed in; someone else does not."""
    owner = factories.user()
    type(paid_order).objects.filter(pk=paid_order.pk).update(user=owner)
    url = reverse("invoicing:customer_pdf", kwargs={"public_id": invoice.public_id})

    client.force_login(factories.user())
    assert client.get(url).status_code == 404
    client.force_login(owner)
    assert client.get(url).status_code == 200


def test_hub_staff_download_pdf_and_xml(client, invoice, shop, django_assert_max_num_queries):
    """Hub staff get the Factur-X PDF, the CII XML and the UBL XML of any invoice of their hub."""
    factories.login_staff(client, shop.operator)
    pdf_url = reverse("invoicing:operator_download", kwargs={"hub_slug": shop.hub.slug, "number": invoice.number, "fmt": "pdf"})
    xml_url = reverse("invoicing:operator_download", kwargs={"hub_slug": shop.hub.slug, "number": invoice.number, "fmt": "xml"})
    client.get(pdf_url)

    # The session's second-factor device, and the page's audit entry (+5).
    with django_assert_max_num_queries(12):
        pdf = client.get(pdf_url)
    xml = client.get(xml_url)
    ubl = client.get(xml_url.replace(".xml", ".ubl"))

    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert (xml.status_code, xml["Content-Type"]) == (200, "application/xml")
    assert xml.content.startswith(b"<?xml")
    assert invoice.number.encode() in xml.content
    assert ubl["Content-Disposition"] == f'attachment; filename="{invoice.number}.ubl.xml"'
    assert b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" in ubl.content


def test_other_users_get_404_from_the_operator_download(client, invoice, shop):
    """A visitor is sent to log in; a producer user or another hub's staff cannot read a hub's invoices."""
    url = reverse("invoicing:operator_download", kwargs={"hub_slug": shop.hub.slug, "number": invoice.number, "fmt": "pdf"})
    assert client.get(url).status_code == 302
    factories.login_staff(client, shop.producer_user)
    assert client.get(url).status_code == 404
    other = factories.make_shop()
    factories.login_staff(client, other.operator)
    assert client.get(url).status_code == 404
    other_url = reverse("invoicing:operator_download", kwargs={"hub_slug": other.hub.slug, "number": invoice.number, "fmt": "pdf"})
    assert client.get(other_url).status_code == 404
