"""The sandbox provider's hosted pages: card entry and 3-D Secure challenge.

They stand in for a real provider's pages: in production with a real
provider the customer is redirected to the provider's own site.
"""

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panier.payments.adapters.sandbox import (
    SANDBOX_INTENT,
    TEST_CARDS,
    sandbox_cancel,
    sandbox_challenge,
    sandbox_pay,
)
from panier.payments.models import SandboxIntent

logger = logging.getLogger(__name__)


def _back(request: HttpRequest, intent: SandboxIntent) -> HttpResponse:
    if intent.return_url:
        return redirect(intent.return_url)
    return render(request, "payments/sandbox_done.html", {"intent": intent})


@require_http_methods(["GET", "POST"])
def sandbox_page(request: HttpRequest, intent_id: str) -> HttpResponse:
    intent = SANDBOX_INTENT(intent=intent_id[:40]).first()
    if intent is None:
        raise Http404("unknown payment")
    error = ""
    status = 200
    if request.method == "POST" and intent.status in ("requires_payment", "requires_action"):
        action = request.POST.get("action", "")
        if request.POST.get("amount_cents", str(intent.amount_cents)) != str(intent.amount_cents):
            # The amount is the provider's own; a changed form is refused.
            logger.warning("sandbox.amount_tampered", extra={"intent_id": intent.pk})
            error = _("The amount of this payment cannot be changed.")
            status = 400
        elif action == "cancel":
            return _back(request, sandbox_cancel(intent_id=intent.pk))
        elif intent.status == "requires_action" and action in ("approve", "refuse"):
            return _back(request, sandbox_challenge(intent_id=intent.pk, approve=action == "approve"))
        elif intent.status == "requires_payment" and action == "pay":
            intent = sandbox_pay(intent_id=intent.pk, card_number=request.POST.get("card_number", "")[:30])
            if intent.status != "requires_action":
                return _back(request, intent)
            return redirect("payments:sandbox_page", intent_id=intent.pk)
        else:
            error = _("Choose one of the buttons.")
            status = 400
    if intent.status not in ("requires_payment", "requires_action"):
        return _back(request, intent)
    template = "payments/sandbox_challenge.html" if intent.status == "requires_action" else "payments/sandbox_page.html"
    cards = [(f"{n[0:4]} {n[4:8]} {n[8:12]} {n[12:16]}", label) for n, label in TEST_CARDS.items()]
    return render(request, template, {"intent": intent, "test_cards": cards, "error": error}, status=status)
