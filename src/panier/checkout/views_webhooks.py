"""The endpoint payment providers notify: POST /pay/webhooks/<provider>/."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from panier.checkout.webhooks import checkout_webhook_receive
from panier.payments.adapters.base import ProviderError, WebhookRejected
from panier.payments.adapters.registry import provider_get


@csrf_exempt
@require_POST
def provider_webhook(request: HttpRequest, provider: str) -> JsonResponse:
    """Answer 200 once handled (or ignored), 400 for an untrusted or unreadable body."""
    try:
        provider_get(provider[:30])
    except LookupError:
        return JsonResponse({"code": "unknown_provider", "message": "Unknown payment provider."}, status=404)
    try:
        outcome = checkout_webhook_receive(provider=provider, headers=request.headers, body=request.body)
    except WebhookRejected as exc:
        return JsonResponse({**exc.as_dict(), "reason": exc.params.get("reason", "")}, status=400)
    except ProviderError as exc:
        # The provider could not tell the status: ask it to send again.
        return JsonResponse(exc.as_dict(), status=503 if exc.retryable else 502)
    return JsonResponse({"status": outcome})
