"""The operator's payment reconciliation report: /operator/<hub>/payments/reconciliation/."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from panier.checkout.tasks import payments_reconcile_task
from panier.hubs import access
from panier.hubs.access import hub_access
from panier.payments.models import Payment, PaymentStatus, ReconciliationItem, ReconciliationRun


@require_http_methods(["GET", "POST"])
@hub_access(access.PAYMENTS_RECONCILE)
def reconciliation(request: HttpRequest, *, hub) -> HttpResponse:
    """What the last runs settled, what is still open, and the mismatches, for this hub."""
    if request.method == "POST":
        transaction.on_commit(payments_reconcile_task.enqueue)
        messages.success(request, _("A reconciliation run is queued; this page shows its report once it has run."))
        return redirect("payments_operator:reconciliation", hub_slug=hub.slug)
    runs = list(ReconciliationRun.objects.all()[:5])
    items = list(
        ReconciliationItem.objects.filter(hub=hub, run__in=runs)
        .select_related("payment", "run")
        .order_by("-run__started_at", "outcome", "pk")
    )
    open_payments = list(
        Payment.objects.filter(hub=hub, status=PaymentStatus.PENDING).order_by("created_at")[:100]
    )
    return render(
        request,
        "checkout/operator/reconciliation.html",
        {
            "hub": hub,
            "runs": runs,
            "mismatches": [i for i in items if i.outcome == "mismatch"],
            "items": items,
            "open_payments": open_payments,
        },
    )
