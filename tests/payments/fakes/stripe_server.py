"""A fake of the parts of Stripe's API that the adapter uses.

It speaks Stripe's documented shapes: form-encoded requests with bracketed
keys (``payment_intent_data[capture_method]=manual``), JSON objects with
``object`` names, errors as ``{"error": {"type", "code", ...}}`` with 400,
402 and 404 statuses, idempotent replays on ``Idempotency-Key``, and
webhook signatures ``t=<ts>,v1=<HMAC-SHA256 of "ts.payload">``.

Test cards follow Stripe's documented test numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from tests.payments.fakes.server import Answer, FakeProviderServer

SECRET_KEY = "sk_test_panier_fake"
WEBHOOK_SECRET = "whsec_panier_fake"

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_3DS_REQUIRED = "4000002760003184"  # always asks for authentication

_counter = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{next(_counter):08d}fake"


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Rebuild nested params from Stripe's bracketed form keys."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node: Any) -> Any:
        if isinstance(node, dict):
            if node and all(k.isdigit() for k in node):
                return [listify(node[k]) for k in sorted(node, key=int)]
            return {k: listify(v) for k, v in node.items()}
        return node

    return listify(root)


def _error(status: int, type_: str, message: str, code: str = "", **extra: Any) -> Answer:
    return Answer(
        status, {"error": {"type": type_, "message": message, "code": code or None, **extra}}
    )


def signature_header(
    payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """Sign a webhook payload the way Stripe documents it."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


class FakeStripe(FakeProviderServer):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.methods: dict[str, dict[str, Any]] = {}  # pm id -> {"card": number, "customer": cus}

    def parse_body(self, body: bytes, query: str, headers: dict[str, str]) -> dict[str, Any]:
        raw = body.decode() if body else query
        return decode_form(parse_qsl(raw, keep_blank_values=True))

    def authenticate(self, headers: dict[str, str]) -> Answer | None:
        if headers.get("authorization") != f"Bearer {SECRET_KEY}":
            return _error(401, "invalid_request_error", "Invalid API Key provided.")
        return None

    def idempotency_mismatch(self) -> Answer:
        return _error(
            400,
            "idempotency_error",
            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        )

    # Objects ------------------------------------------------------------------------

    def _charge(self, intent: dict[str, Any]) -> Any:
        charge_id = intent["latest_charge"]
        return self.charges.get(charge_id, charge_id) if charge_id else None

    def _intent_view(
        self, intent: dict[str, Any], expand: list[str], prefix: str = ""
    ) -> dict[str, Any]:
        view = dict(intent)
        if f"{prefix}latest_charge" in expand and intent["latest_charge"]:
            view["latest_charge"] = dict(self._charge(intent))
        if f"{prefix}payment_method" in expand and intent["payment_method"]:
            card = self.methods[intent["payment_method"]]["card"]
            view["payment_method"] = {
                "id": intent["payment_method"],
                "object": "payment_method",
                "type": "card",
                "card": {"brand": "visa", "last4": card[-4:]},
            }
        return view

    def _new_intent(
        self,
        *,
        amount: int,
        currency: str,
        capture_method: str,
        customer: str | None,
        setup_future_usage: str | None,
        metadata: dict[str, Any],
    ) -> dict[str, Any]:
        intent = {
            "id": _id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": currency,
            "capture_method": capture_method,
            "customer": customer,
            "payment_method": None,
            "setup_future_usage": setup_future_usage,
            "status": "requires_payment_method",
            "latest_charge": None,
            "last_payment_error": None,
            "next_action": None,
            "metadata": metadata,
        }
        self.intents[intent["id"]] = intent
        return intent

    def _authorise(
        self, intent: dict[str, Any], card: str, *, off_session: bool, return_url: str = ""
    ) -> None:
        method_id = _id("pm")
        self.methods[method_id] = {"card": card, "customer": intent["customer"]}
        self._authorise_with(intent, method_id, off_session=off_session, return_url=return_url)

    def _authorise_with(
        self, intent: dict[str, Any], method_id: str, *, off_session: bool, return_url: str = ""
    ) -> None:
        card = self.methods[method_id]["card"]
        intent["payment_method"] = method_id
        if card == CARD_DECLINED:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
            }
            return
        if card == CARD_3DS_REQUIRED and (off_session or not return_url):
            intent["status"] = "requires_payment_method" if off_session else "requires_action"
            intent["last_payment_error"] = (
                {
                    "type": "card_error",
                    "code": "authentication_required",
                    "decline_code": "authentication_required",
                }
                if off_session
                else None
            )
            return
        if card == CARD_3DS_REQUIRED:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"https://hooks.stripe.test/3ds/{intent['id']}",
                    "return_url": return_url,
                },
            }
            return
        charge = {
            "id": _id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "refunded": False,
            "payment_intent": intent["id"],
        }
        self.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        intent["last_payment_error"] = None
        if intent["capture_method"] == "manual":
            intent["status"] = "requires_capture"
            intent["amount_capturable"] = intent["amount"]
        else:
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
            charge["amount_captured"] = intent["amount"]

    # What the customer does on Stripe's hosted page ---------------------------------------

    def customer_pays(self, session_id: str, card: str = CARD_OK) -> dict[str, Any]:
        """Play the customer completing Checkout with ``card``."""
        with self.lock:
            session = self.sessions[session_id]
            data = session["_payment_intent_data"]
            customer = session.get("customer")
            if not customer and session.get("customer_creation") == "always":
                customer = _id("cus")
                session["customer"] = customer
            intent = self._new_intent(
                amount=session["amount_total"],
                currency=session["currency"],
                capture_method=data.get("capture_method", "automatic"),
                customer=customer,
                setup_future_usage=data.get("setup_future_usage"),
                metadata=data.get("metadata", {}),
            )
            session["payment_intent"] = intent["id"]
            self._authorise(intent, card, off_session=False)
            if intent["status"] in ("requires_capture", "succeeded"):
                session["status"] = "complete"
                session["payment_status"] = "paid" if intent["status"] == "succeeded" else "unpaid"
            return intent

    # Routes -------------------------------------------------------------------------

    def route(self, method: str, path: str, params: dict[str, Any]) -> Answer:
        expand = params.get("expand", [])
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        match = re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/expire)?", path)
        if match:
            session = self.sessions.get(match.group(1))
            if session is None:
                return _error(
                    404, "invalid_request_error", "No such checkout.session", "resource_missing"
                )
            if match.group(2):
                if session["status"] != "open":
                    return _error(
                        400, "invalid_request_error", "Only open sessions can be expired."
                    )
                session["status"] = "expired"
            view = {k: v for k, v in session.items() if not k.startswith("_")}
            if "payment_intent" in expand and session["payment_intent"]:
                view["payment_intent"] = self._intent_view(
                    self.intents[session["payment_intent"]], expand, prefix="payment_intent."
                )
            return Answer(200, view)
        if method == "POST" and path == "/v1/payment_intents":
            return self._create_intent(params)
        match = re.fullmatch(r"/v1/payment_intents/([^/]+)(/capture|/cancel)?", path)
        if match:
            intent = self.intents.get(match.group(1))
            if intent is None:
                return _error(
                    404, "invalid_request_error", "No such payment_intent", "resource_missing"
                )
            action = match.group(2)
            if action == "/capture":
                return self._capture(intent, params)
            if action == "/cancel":
                if intent["status"] in ("succeeded", "canceled"):
                    return _error(
                        400,
                        "invalid_request_error",
                        "This PaymentIntent cannot be canceled.",
                        "payment_intent_unexpected_state",
                    )
                intent["status"] = "canceled"
                intent["amount_capturable"] = 0
            return Answer(200, self._intent_view(intent, expand))
        if method == "POST" and path == "/v1/refunds":
            return self._refund(params)
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def _create_session(self, params: dict[str, Any]) -> Answer:
        items = params.get("line_items") or []
        try:
            amount = sum(
                int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items
            )
            currency = items[0]["price_data"]["currency"]
        except (KeyError, IndexError, ValueError):
            return _error(
                400,
                "invalid_request_error",
                "Missing required param: line_items.",
                "parameter_missing",
            )
        if params.get("mode") != "payment" or not params.get("success_url"):
            return _error(
                400,
                "invalid_request_error",
                "Missing required param: success_url.",
                "parameter_missing",
            )
        session = {
            "id": _id("cs_test"),
            "object": "checkout.session",
            "amount_total": amount,
            "currency": currency,
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "customer": params.get("customer"),
            "customer_creation": params.get("customer_creation"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_method_options": params.get("payment_method_options", {}),
            "success_url": params["success_url"],
            "url": None,
            "_payment_intent_data": params.get("payment_intent_data", {}),
        }
        session["url"] = f"https://checkout.stripe.test/c/pay/{session['id']}"
        self.sessions[session["id"]] = session
        return Answer(200, {k: v for k, v in session.items() if not k.startswith("_")})

    def _create_intent(self, params: dict[str, Any]) -> Answer:
        try:
            amount = int(params["amount"])
            currency = params["currency"]
        except (KeyError, ValueError):
            return _error(
                400, "invalid_request_error", "Missing required param: amount.", "parameter_missing"
            )
        method_id = params.get("payment_method", "")
        method = self.methods.get(method_id)
        if method is None:
            return _error(400, "invalid_request_error", "No such PaymentMethod", "resource_missing")
        if method["customer"] and params.get("customer") != method["customer"]:
            return _error(
                400,
                "invalid_request_error",
                "The provided PaymentMethod belongs to another customer.",
            )
        intent = self._new_intent(
            amount=amount,
            currency=currency,
            capture_method=params.get("capture_method", "automatic"),
            customer=params.get("customer"),
            setup_future_usage=None,
            metadata=params.get("metadata", {}),
        )
        if params.get("confirm") == "true":
            off_session = params.get("off_session") == "true"
            self._authorise_with(
                intent, method_id, off_session=off_session, return_url=params.get("return_url", "")
            )
            error = intent["last_payment_error"]
            if error:
                # Stripe answers a declined confirmation with 402 and the intent inside the error.
                return _error(
                    402,
                    "card_error",
                    "Your card was declined.",
                    error["code"],
                    decline_code=error["decline_code"],
                    payment_intent=dict(intent),
                )
        return Answer(200, dict(intent))

    def _capture(self, intent: dict[str, Any], params: dict[str, Any]) -> Answer:
        if intent["status"] != "requires_capture":
            return _error(
                400,
                "invalid_request_error",
                "This PaymentIntent could not be captured because it has a status of "
                f"{intent['status']}.",
                "payment_intent_unexpected_state",
            )
        amount = int(params.get("amount_to_capture", intent["amount_capturable"]))
        if amount <= 0 or amount > intent["amount_capturable"]:
            return _error(
                400,
                "invalid_request_error",
                "The amount to capture is greater than the amount capturable.",
                "amount_too_large",
            )
        intent["status"] = "succeeded"
        intent["amount_received"] = amount
        intent["amount_capturable"] = 0
        self.charges[intent["latest_charge"]]["amount_captured"] = amount
        return Answer(200, dict(intent))

    def _refund(self, params: dict[str, Any]) -> Answer:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return _error(
                400, "invalid_request_error", "This PaymentIntent has no successful charge."
            )
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount_captured"] - charge["amount_refunded"]
        amount = int(params.get("amount", left))
        if amount <= 0 or amount > left:
            return _error(
                400,
                "invalid_request_error",
                "Refund amount is greater than unrefunded amount on charge.",
                "amount_too_large",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "status": "succeeded",
            "payment_intent": intent["id"],
            "charge": charge["id"],
        }
        return Answer(200, refund)


def event_payload(kind: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    """A webhook event body as Stripe sends it."""
    return json.dumps(
        {
            "id": event_id or _id("evt"),
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "api_version": "2025-01-01",
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()
