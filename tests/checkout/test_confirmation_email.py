"""The confirmation e-mail of a paid order: what it says, and what it costs to write.

The e-mail is the durable medium of the contract (C. conso L221-13), so
reading the order differently must not change a character of it: each
message is compared with the templates rendered from a plainly loaded
order (every relation read on demand, as the templates would load it).
"""

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation

from panier.checkout.followup import order_paid_followup
from panier.core.templatetags import fragments
from panier.hubs.models import Hub
from panier.orders.models import Order
from tests.factories import placed_order


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.PANIER_INVOICE_PDF_ON_PAYMENT = False


def _plain_rendering(order_id: int) -> dict:
    """The subject and both bodies, from an order whose relations load lazily."""
    order = Order.objects.get(pk=order_id)
    context = {"order": order, "hub": order.hub, "lines": list(order.lines.all())}
    with translation.override(order.language):
        return {
            "subject": " ".join(render_to_string("orders/email/confirmation_subject.txt", context).split()),
            "body": render_to_string("orders/email/confirmation_body.txt", context),
            "html": render_to_string("orders/email/confirmation_body.html", context),
        }


def _sent() -> dict:
    (message,) = mail.outbox
    (html, mimetype), *more = message.alternatives
    assert mimetype == "text/html"
    assert more == []
    return {"subject": message.subject, "body": message.body, "html": html}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("pickup", [False, True])
def test_the_email_reads_as_the_templates_render_the_order(shop, language, pickup):
    """Subject, text and HTML bodies are those of the order read plainly, in its language."""
    order = placed_order(shop, [(0, 2), (1, 1), (2, 1)], pickup=pickup)
    Order.objects.filter(pk=order.pk).update(language=language)

    order_paid_followup(order_id=order.pk)

    sent = _sent()
    assert sent == _plain_rendering(order.pk)
    (message,) = mail.outbox
    assert message.to == [order.email]
    assert message.reply_to == [shop.hub.email]
    # Both producers' lines are in both bodies, in the order they were bought.
    for line in order.lines.all():
        assert line.product_name in sent["body"]
        assert line.product_name in sent["html"]
    assert sent["body"].index("Tomme de chèvre") < sent["body"].index("Miel de lavande")
    for producer in shop.producers:
        assert producer.name in sent["html"]


def test_a_company_order_keeps_its_invoice_details_and_vat_mention(shop):
    """An exempt intra-EU company order shows the company, its VAT number and the legal mention."""
    order = placed_order(shop, [(0, 1), (1, 1)])
    Order.objects.filter(pk=order.pk).update(
        company_name="Bistro GmbH", company_vat_number="DE123456789", vat_treatment="intra_eu_exempt"
    )

    order_paid_followup(order_id=order.pk)

    sent = _sent()
    assert sent == _plain_rendering(order.pk)
    assert "Bistro GmbH" in sent["body"]
    assert Order.objects.get(pk=order.pk).vat_mention in sent["body"]


@pytest.mark.parametrize("items", [[(0, 1)], [(0, 2), (1, 1), (2, 1)]])
def test_the_email_reads_the_order_in_two_queries(shop, items, django_assert_num_queries):
    """The order with its hub, slot and place, then its lines with their producers: nothing per line."""
    order = placed_order(shop, items)
    mail.outbox = []

    with django_assert_num_queries(2):
        order_paid_followup(order_id=order.pk)

    assert len(mail.outbox) == 1


def test_the_kept_legal_parts_follow_a_change_of_the_hubs_details(shop):
    """The seller, withdrawal and mediation parts are kept per process, keyed by every hub detail they show."""
    first = placed_order(shop, [(0, 1)])
    order_paid_followup(order_id=first.pk)
    before = _sent()
    mail.outbox = []
    Hub.objects.filter(pk=shop.hub.pk).update(
        legal_name="Coopérative du Col SCIC", phone="04 99 99 99 99", mediator_details="Médiateur du Var, 83000 Toulon"
    )
    second = placed_order(shop, [(1, 1)])

    order_paid_followup(order_id=second.pk)

    sent = _sent()
    for text in ("Coopérative du Col SCIC", "04 99 99 99 99", "Médiateur du Var, 83000 Toulon"):
        assert text not in before["body"]
        assert text in sent["body"]
        assert text in sent["html"]
    # Rendered afresh, without the kept parts, the message reads the same.
    fragments.forget()
    assert sent == _plain_rendering(second.pk)
