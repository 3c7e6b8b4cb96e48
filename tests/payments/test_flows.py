"""Payment flows end to end through the sandbox: webhooks, reconciliation, capture, refunds."""

import json
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from panier.checkout.reconciliation import payments_reconcile
from panier.checkout.services import checkout_pay, checkout_payment_returned
from panier.core import clock
from panier.fulfilment.services import LineResult, order_packing_finish
from panier.orders.models import Order, OrderEvent, OrderStatus
from panier.orders.services import orders_expire_unpaid
from panier.payments.adapters.sandbox import SIGNATURE_HEADER, sandbox_challenge, sandbox_pay, sign
from panier.payments.models import (
    Payment,
    PaymentOperation,
    PaymentStatus,
    ProviderEvent,
    SandboxIntent,
    SandboxWebhook,
)
from panier.payments.services import payment_capture, payment_refund
from tests import factories

pytestmark = pytest.mark.usefixtures("english")

WEBHOOK = "/pay/webhooks/sandbox/"


def _order_and_payment(shop, items=((0, 1),), **kw):
    order = factories.placed_order(shop, items, paid=False, **kw)
    return order, checkout_pay(order=order, return_url="/back")


def _post(client, body: bytes, *, timestamp=None, secret=None):
    header = sign(body, timestamp=int(timestamp or time.time()), secret=secret)
    return client.post(WEBHOOK, data=body, content_type="application/json", **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": header})


def _latest_event(intent_id):
    return SandboxWebhook.objects.filter(intent_id=intent_id).order_by("-created_at").first()


def test_signed_webhook_confirms_the_order_once(client, shop):
    """A genuine notification settles the order; the same one again is acknowledged and changes nothing."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    body = _latest_event(payment.provider_ref).body.encode()

    first = _post(client, body)
    again = _post(client, body)

    assert (first.status_code, first.json()) == (200, {"status": "processed"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert OrderEvent.objects.filter(order=order, to_status="paid").count() == 1
    assert ProviderEvent.objects.count() == 1


def test_webhooks_that_cannot_be_trusted_are_refused(client, shop):
    """Bad signature, stale timestamp and malformed body answer 400 with a code; nothing is stored."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    body = _latest_event(payment.provider_ref).body.encode()

    forged = _post(client, body, secret="not-the-secret")
    stale = _post(client, body, timestamp=time.time() - 3600)
    malformed = _post(client, b'{"id": "evt_1"')
    unsigned = client.post(WEBHOOK, data=body, content_type="application/json")

    assert (forged.status_code, forged.json()["code"], forged.json()["reason"]) == (400, "webhook_rejected", "bad_signature")
    assert (stale.status_code, stale.json()["reason"]) == (400, "stale")
    assert (malformed.status_code, malformed.json()["reason"]) == (400, "malformed")
    assert unsigned.status_code == 400
    assert ProviderEvent.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_webhook_for_an_unknown_payment_is_ignored(client, shop, caplog):
    """An event about a payment the shop never made answers 200 and is logged."""
    body = json.dumps({"id": "evt_x", "type": "payment.authorised", "created": int(time.time()),
                       "data": {"payment": "sbx_unknown"}}).encode()

    response = _post(client, body)

    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert "webhook.unknown_payment" in caplog.text


def test_late_and_out_of_order_webhooks_never_move_back(client, shop):
    """The capture notification, then the older authorisation one: the payment stays captured."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    authorised = _latest_event(payment.provider_ref).body.encode()
    checkout_payment_returned(payment_public_id=payment.public_id)
    payment_capture(payment_id=payment.pk, amount_cents=payment.amount_cents, idempotency_key="k:capture")
    captured = _latest_event(payment.provider_ref).body.encode()

    assert _post(client, captured).json() == {"status": "processed"}
    assert _post(client, authorised).json() == {"status": "processed"}

    payment.refresh_from_db()
    assert (payment.status, payment.captured_cents) == (PaymentStatus.CAPTURED, payment.amount_cents)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_webhooks_delivered_over_loopback_twice_and_out_of_order(live_server, settings, shop):
    """The sandbox POSTs its notifications to a real server, each twice, newest first: one paid order."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4000 0027 6000 3184")
    sandbox_challenge(intent_id=payment.provider_ref, approve=True)
    assert SandboxWebhook.objects.filter(delivered_at=None).count() == 2

    call_command("payments", "deliver-webhooks", "--url", live_server.url + WEBHOOK, "--times", "2", "--newest-first",
                 "--timeout", "60")

    assert SandboxWebhook.objects.filter(delivered_at=None).count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert ProviderEvent.objects.count() == 2
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.AUTHORISED


def test_sandbox_posts_each_notification_after_commit(live_server, settings, shop):
    """With PANIER_SANDBOX_WEBHOOK_URL set, paying posts the notification (twice here) at once: the order is paid."""
    settings.PANIER_SANDBOX_WEBHOOK_URL = live_server.url + WEBHOOK
    settings.PANIER_SANDBOX_WEBHOOK_COPIES = 2
    order, payment = _order_and_payment(shop)

    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")

    sent = SandboxWebhook.objects.get(intent_id=payment.provider_ref)
    assert sent.delivered_at is not None, sent.last_error
    assert sent.attempts == 2
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert ProviderEvent.objects.get().processed_at is not None


def test_challenge_card_on_the_hosted_pages(client, shop):
    """3184 shows the 3-D Secure page; refusing fails the order, approving (another attempt) pays it."""
    order, payment = _order_and_payment(shop)
    page = reverse("payments:sandbox_page", kwargs={"intent_id": payment.provider_ref})

    response = client.post(page, {"action": "pay", "card_number": "4000 0027 6000 3184",
                                  "amount_cents": payment.amount_cents})
    assert response.status_code == 302
    assert response["Location"] == page
    challenge = client.get(page)
    assert b"Confirm your payment" in challenge.content
    refused = client.post(page, {"action": "refuse", "amount_cents": payment.amount_cents})

    assert refused["Location"] == "/back"
    checkout_payment_returned(payment_public_id=payment.public_id)
    assert Payment.objects.get(pk=payment.pk).failure_code == "authentication_failed"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAYMENT_FAILED


def test_soft_decline_goes_through_the_challenge(client, shop):
    """3155 asks for authentication: the challenge follows, and approving it authorises."""
    order, payment = _order_and_payment(shop)
    intent = sandbox_pay(intent_id=payment.provider_ref, card_number="4000 0025 0000 3155")
    assert (intent.status, intent.decline_code) == ("requires_action", "authentication_required")
    page = reverse("payments:sandbox_page", kwargs={"intent_id": payment.provider_ref})

    client.post(page, {"action": "approve", "amount_cents": payment.amount_cents})

    assert checkout_payment_returned(payment_public_id=payment.public_id).status == OrderStatus.PAID


def test_tampered_amount_on_the_payment_page_is_refused(client, shop, caplog):
    """Changing the amount in the form answers 400, logs it and charges nothing."""
    order, payment = _order_and_payment(shop)
    page = reverse("payments:sandbox_page", kwargs={"intent_id": payment.provider_ref})

    response = client.post(page, {"action": "pay", "card_number": "4242424242424242", "amount_cents": 1})

    assert response.status_code == 400
    assert b"cannot be changed" in response.content
    assert "sandbox.amount_tampered" in caplog.text
    assert SandboxIntent.objects.get(pk=payment.provider_ref).status == "requires_payment"


def test_insufficient_funds_fails_the_order(shop):
    """9995 declines; the order fails and releases its stock."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4000 0000 0000 9995")

    order = checkout_payment_returned(payment_public_id=payment.public_id)

    assert order.status == OrderStatus.PAYMENT_FAILED
    assert Payment.objects.get(pk=payment.pk).failure_code == "insufficient_funds"


def test_timeout_stays_pending_until_reconciliation(settings, shop):
    """0119: no answer, the order waits; reconciliation leaves it open, then settles it once the bank answers."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4000 0000 0000 0119")
    assert checkout_payment_returned(payment_public_id=payment.public_id).status == OrderStatus.PENDING_PAYMENT
    later = clock.now() + timedelta(minutes=settings.PANIER_RECONCILE_AFTER_MIN + 1)

    still = payments_reconcile(now=later)
    # The bank answers at last.
    SandboxIntent.objects.filter(pk=payment.provider_ref).update(settles_at=clock.now() - timedelta(seconds=1))
    settled = payments_reconcile(now=later)
    again = payments_reconcile(now=later)

    assert (still.checked, still.still_open, still.settled) == (1, 1, 0)
    assert (settled.checked, settled.settled) == (1, 1)
    assert again.checked == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert settled.items.get().to_status == PaymentStatus.AUTHORISED


def test_payment_authorised_after_the_order_expired_is_released(shop):
    """The order expired while the customer paid: the late authorisation is voided, the order stays cancelled."""
    order, payment = _order_and_payment(shop)
    orders_expire_unpaid(now=order.payment_due_by + timedelta(minutes=1))
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")

    order = checkout_payment_returned(payment_public_id=payment.public_id)

    assert order.status == OrderStatus.CANCELLED
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CANCELLED
    assert SandboxIntent.objects.get(pk=payment.provider_ref).status == "cancelled"
    assert PaymentOperation.objects.get(payment=payment).kind == "void"


def test_two_tabs_paying_the_same_order_keep_one_payment(shop):
    """Both tabs open the same payment; the second completion changes nothing."""
    order = factories.placed_order(shop, [(0, 1)], paid=False)
    first = checkout_pay(order=order, return_url="/back")
    second = checkout_pay(order=order, return_url="/back")
    sandbox_pay(intent_id=first.provider_ref, card_number="4242424242424242")
    sandbox_pay(intent_id=second.provider_ref, card_number="4242424242424242")

    checkout_payment_returned(payment_public_id=first.public_id)
    checkout_payment_returned(payment_public_id=second.public_id)

    assert first.pk == second.pk
    assert Payment.objects.filter(reference=order.number).count() == 1
    assert Payment.objects.get(pk=first.pk).is_applied


def _weighed_order(shop):
    factories.weighed_product(shop, price_per_kg_cents=6000, estimated_weight_g=300)
    order, payment = _order_and_payment(shop, items=((0, 1), (3, 1)))
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    return checkout_payment_returned(payment_public_id=payment.public_id), Payment.objects.get(pk=payment.pk)


def test_weighed_goods_authorise_a_margin_and_capture_the_weighed_amount(shop, django_capture_on_commit_callbacks):
    """Saucisson 300 g at 60 €/kg (18.00) + tomme 6.50 + fee 6.90: 31.40 authorised 34.10; weighed 273.67 g → 16.42 captured."""
    order, payment = _weighed_order(shop)
    assert (order.total_cents, payment.amount_cents) == (3140, 3140 + 270)
    lines = list(order.lines.order_by("pk"))

    with django_capture_on_commit_callbacks(execute=True):
        order_packing_finish(order_id=order.pk, bags=1, lines=[
            LineResult(line_id=lines[0].pk), LineResult(line_id=lines[1].pk, weight_g=274)])

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.captured_cents == 650 + 1644 + 690
    assert SandboxIntent.objects.get(pk=payment.provider_ref).captured_cents == payment.captured_cents
    final_mail = [m for m in mail.outbox if "montant final" in m.subject]
    assert len(final_mail) == 1
    assert "29,84" in final_mail[0].body


def test_missing_item_captures_less_and_above_authorised_is_never_captured(shop):
    """A missing item lowers the capture; a heavier piece confirmed above the authorisation captures only what is authorised."""
    order, payment = _weighed_order(shop)
    lines = list(order.lines.order_by("pk"))
    order_packing_finish(order_id=order.pk, bags=1, lines=[
        LineResult(line_id=lines[0].pk, outcome="missing"), LineResult(line_id=lines[1].pk, weight_g=300)])
    payment.refresh_from_db()
    assert payment.captured_cents == 1800 + 690

    other, other_payment = _weighed_order(shop)
    lines = list(other.lines.order_by("pk"))
    order_packing_finish(order_id=other.pk, bags=1, allow_over_authorised=True, lines=[
        LineResult(line_id=lines[0].pk), LineResult(line_id=lines[1].pk, weight_g=500)])
    other_payment.refresh_from_db()
    assert other_payment.captured_cents == other_payment.amount_cents == 3410
    assert OrderEvent.objects.filter(order=other, note__contains="above the authorisation not charged").exists()


def _captured_order(shop):
    order, payment = _order_and_payment(shop, items=((0, 2), (1, 1)))
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    order = checkout_payment_returned(payment_public_id=payment.public_id)
    payment_capture(payment_id=payment.pk, amount_cents=payment.amount_cents, idempotency_key=f"{payment.pk}:capture:1")
    return order, Payment.objects.get(pk=payment.pk)


def test_operator_refunds_a_line_then_the_rest(client, shop):
    """A line refund with a reason, then the whole rest: recorded in history, order refunded, never above the capture."""
    order, payment = _captured_order(shop)
    factories.login_staff(client, shop.operator)
    url = reverse("operator:order_refund", kwargs={"hub_slug": shop.hub.slug, "number": order.number})
    honey = order.lines.get(product_name="Miel de lavande")

    missing_reason = client.post(url, {"scope": "lines", "lines": [honey.pk], "reason": "", "token": "3f1c1b9e-2d7e-4a57-9c55-0d7f3e1d2a10"})
    no_line = client.post(url, {"scope": "lines", "reason": "x", "token": "3f1c1b9e-2d7e-4a57-9c55-0d7f3e1d2a10"})
    one = client.post(url, {"scope": "lines", "lines": [honey.pk], "reason": "Jar broken", "token": "3f1c1b9e-2d7e-4a57-9c55-0d7f3e1d2a10"})
    replay = client.post(url, {"scope": "lines", "lines": [honey.pk], "reason": "Jar broken", "token": "3f1c1b9e-2d7e-4a57-9c55-0d7f3e1d2a10"})
    rest = client.post(url, {"scope": "whole", "reason": "Customer moved away", "token": "0a4f5a42-6f3e-4f9f-8a38-6c9a1b2c3d4e"})

    assert missing_reason.status_code == 400
    assert no_line.status_code == 400
    assert b"Choose at least one line" in no_line.content
    assert (one.status_code, replay.status_code, rest.status_code) == (302, 302, 302)
    payment.refresh_from_db()
    assert payment.refunded_cents == payment.captured_cents == order.total_cents
    assert payment.status == PaymentStatus.REFUNDED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.REFUNDED
    notes = list(OrderEvent.objects.filter(order=order, note__startswith="refund").values_list("note", flat=True))
    assert len(notes) == 2
    assert "1055 cents" in notes[0]
    assert "Jar broken" in notes[0]
    assert SandboxIntent.objects.get(pk=payment.provider_ref).refunded_cents == order.total_cents

    after = client.post(url, {"scope": "whole", "reason": "again", "token": "9b0f0a42-6f3e-4f9f-8a38-6c9a1b2c3d4e"})
    assert after.status_code == 400


def test_a_line_is_never_refunded_twice(shop):
    """The same line under a new key is refused; the same key again refunds once; other lines stay refundable."""
    from panier.orders.payment_services import RefundInvalid, order_refund

    order, payment = _captured_order(shop)
    honey = order.lines.get(product_name="Miel de lavande")
    other = order.lines.exclude(pk=honey.pk).first()

    first = order_refund(order_id=order.pk, reason="Jar broken", idempotency_key="line-1", line_ids=[honey.pk])
    again = order_refund(order_id=order.pk, reason="Jar broken", idempotency_key="line-1", line_ids=[honey.pk])
    with pytest.raises(RefundInvalid) as err:
        order_refund(order_id=order.pk, reason="Jar broken", idempotency_key="line-2", line_ids=[honey.pk, other.pk])

    assert first.amount_cents == again.amount_cents == honey.line_total_cents
    assert "already refunded" in err.value.message
    honey.refresh_from_db()
    other.refresh_from_db()
    assert (honey.refunded_cents, other.refunded_cents) == (honey.line_total_cents, 0)
    assert Payment.objects.get(pk=payment.pk).refunded_cents == honey.line_total_cents
    later = order_refund(order_id=order.pk, reason="Late", idempotency_key="line-3", line_ids=[other.pk])
    assert later.amount_cents == other.line_total_cents


def test_refund_above_the_capture_is_refused(shop):
    """The database and the conditional update keep refunds within what was captured."""
    order, payment = _captured_order(shop)
    from panier.payments.errors import RefundAboveCaptured

    with pytest.raises(RefundAboveCaptured) as err:
        payment_refund(payment_id=payment.pk, amount_cents=payment.captured_cents + 1, idempotency_key="too-much")

    assert err.value.code == "refund_above_captured"
    assert Payment.objects.get(pk=payment.pk).refunded_cents == 0


def test_cancelling_a_paid_order_releases_the_authorisation(client, shop):
    """The operator cancels an authorised order: the card hold is released."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    checkout_payment_returned(payment_public_id=payment.public_id)
    factories.login_staff(client, shop.operator)

    client.post(reverse("operator:order_transition", kwargs={"hub_slug": shop.hub.slug, "number": order.number}),
                {"target": "cancelled"})

    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CANCELLED


def test_switching_the_default_provider_keeps_old_payments_working(settings, shop):
    """Payments made with the sandbox are captured and refunded with it after the default changed."""
    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    checkout_payment_returned(payment_public_id=payment.public_id)
    settings.PANIER_PAYMENT_PROVIDER = "another-provider"

    payment_capture(payment_id=payment.pk, amount_cents=500, idempotency_key="switch:capture")
    payment_refund(payment_id=payment.pk, amount_cents=200, idempotency_key="switch:refund")

    payment.refresh_from_db()
    assert (payment.provider, payment.captured_cents, payment.refunded_cents) == ("sandbox", 500, 200)
    with pytest.raises(LookupError):
        checkout_pay(order=factories.placed_order(shop, [(0, 1)], paid=False), return_url="/")


def test_reconciliation_page_and_command(client, shop, settings):
    """The command prints progress and a summary; the hub's operator sees the report, another hub gets 404."""
    order, payment = _order_and_payment(shop)
    Payment.objects.filter(pk=payment.pk).update(updated_at=clock.now() - timedelta(hours=1))
    from io import StringIO

    out = StringIO()
    call_command("payments", "reconcile", stdout=out)

    text = out.getvalue()
    assert f"[1/1] {order.number} (sandbox)" in text
    assert "checked 1, settled 0, still open 1, mismatches 0" in text
    factories.login_staff(client, shop.operator)
    page = client.get(reverse("payments_operator:reconciliation", kwargs={"hub_slug": shop.hub.slug}))
    assert page.status_code == 200
    assert order.number in page.content.decode()
    other = factories.hub()
    assert client.get(reverse("payments_operator:reconciliation", kwargs={"hub_slug": other.slug})).status_code == 404
    queued = client.post(reverse("payments_operator:reconciliation", kwargs={"hub_slug": shop.hub.slug}))
    assert queued.status_code == 302


def test_a_capture_marked_done_has_already_moved_the_payment(shop, monkeypatch):
    """A retry that finds the capture recorded as done finds the payment captured too."""
    import panier.payments.services as services

    order, payment = _order_and_payment(shop)
    sandbox_pay(intent_id=payment.provider_ref, card_number="4242 4242 4242 4242")
    checkout_payment_returned(payment_public_id=payment.public_id)
    seen = {}
    real_end = services._operation_end

    def spy(operation, *, status, provider_ref=""):
        seen[status] = Payment.objects.get(pk=payment.pk).status
        real_end(operation, status=status, provider_ref=provider_ref)

    monkeypatch.setattr(services, "_operation_end", spy)

    payment_capture(payment_id=payment.pk, amount_cents=payment.amount_cents, idempotency_key="seen:capture")

    assert seen == {"succeeded": PaymentStatus.CAPTURED}


def test_the_same_capture_still_running_elsewhere_answers_captured(shop):
    """Same key, its operation still pending while the payment is already captured: no error, no second call."""
    order, payment = _captured_order(shop)
    PaymentOperation.objects.filter(idempotency_key=f"{payment.pk}:capture:1").update(status="pending")

    again = payment_capture(payment_id=payment.pk, amount_cents=payment.amount_cents,
                            idempotency_key=f"{payment.pk}:capture:1")

    assert again.status == PaymentStatus.CAPTURED
    assert PaymentOperation.objects.filter(kind="capture").count() == 1


@pytest.mark.parametrize(
    ("language", "provider", "title"),
    [("fr", "Prestataire de paiement de test", "Paiement de test"), ("en", "Sandbox payment provider", "Sandbox payment")],
)
def test_the_hosted_page_is_the_providers_own(client, shop, language, provider, title):
    """Like a real provider's secure page, the sandbox's shows none of the shop's navigation, in the page's language."""
    from django.utils import translation

    order, payment = _order_and_payment(shop)
    with translation.override(language):
        page = reverse("payments:sandbox_page", kwargs={"intent_id": payment.provider_ref})

    html = client.get(page).content.decode()

    assert f'<html lang="{language}">' in html
    assert provider in html
    assert f"<h1>{title}</h1>" in html
    assert 'name="card_number"' in html
    for shop_part in ('class="basket-link"', 'class="account-nav"', 'class="site-footer', 'hreflang='):
        assert shop_part not in html
