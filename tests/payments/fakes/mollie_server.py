"""A fake of the parts of Mollie's v2 API that the adapter uses.

Shapes follow Mollie's documentation: JSON bodies, amounts as
``{"currency": "EUR", "value": "10.00"}``, HAL links
(``_links.checkout.href``), errors as ``{"status", "title", "detail",
"field"}`` with ``application/hal+json``, payment ids ``tr_…``, customers
``cst_…``, mandates ``mdt_…``, captures ``cpt_…`` and refunds ``re_…``.
A repeated ``Idempotency-Key`` replays the first answer.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.payments.fakes.server import Answer, FakeProviderServer

API_KEY = "test_panierfakekey0000000000000000"

_counter = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{next(_counter):06d}Fk"


def _cents(amount: dict[str, str]) -> int:
    return int(Decimal(amount["value"]) * 100)


def _amount(cents: int, currency: str = "EUR") -> dict[str, str]:
    return {"currency": currency, "value": f"{cents // 100}.{cents % 100:02d}"}


def _error(status: int, title: str, detail: str, field: str | None = None) -> Answer:
    body: dict[str, Any] = {
        "status": status,
        "title": title,
        "detail": detail,
        "_links": {
            "documentation": {"href": "https://docs.mollie.com/errors", "type": "text/html"}
        },
    }
    if field:
        body["field"] = field
    return Answer(status, body, content_type="application/hal+json")


class FakeMollie(FakeProviderServer):
    def __init__(self) -> None:
        super().__init__()
        self.payments: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.mandates: dict[str, dict[str, Any]] = {}  # mdt id -> {"customer", "declines"}

    def parse_body(self, body: bytes, query: str, headers: dict[str, str]) -> dict[str, Any]:
        if not body:
            return {}
        try:
            return json.loads(body)
        except ValueError:
            return {"_unreadable": True}

    def authenticate(self, headers: dict[str, str]) -> Answer | None:
        if headers.get("authorization") != f"Bearer {API_KEY}":
            return _error(
                401, "Unauthorized Request", "Missing authentication, or failed to authenticate"
            )
        return None

    def idempotency_mismatch(self) -> Answer:
        return _error(
            422, "Unprocessable Entity", "The idempotency key was already used for another request."
        )

    def _view(self, payment: dict[str, Any]) -> Answer:
        return Answer(
            200,
            {k: v for k, v in payment.items() if not k.startswith("_")},
            content_type="application/hal+json",
        )

    # What the customer does on Mollie's hosted checkout ---------------------------------

    def customer_pays(
        self, payment_id: str, *, outcome: str = "ok", declines_later: bool = False
    ) -> None:
        """Play the customer on the checkout: ``ok``, ``failed`` or ``canceled``."""
        with self.lock:
            payment = self.payments[payment_id]
            if outcome == "failed":
                payment["status"] = "failed"
                payment["details"] = {"failureReason": "insufficient_funds"}
                return
            if outcome == "canceled":
                payment["status"] = "canceled"
                return
            payment["status"] = "authorized" if payment.get("captureMode") == "manual" else "paid"
            payment["isCancelable"] = payment["status"] == "authorized"
            if payment.get("sequenceType") == "first":
                mandate = _id("mdt")
                self.mandates[mandate] = {
                    "customer": payment["customerId"],
                    "declines": declines_later,
                }
                payment["mandateId"] = mandate
                payment["details"] = {"cardNumber": "6787", "cardLabel": "Mastercard"}
            if payment["status"] == "paid":
                payment["amountCaptured"] = dict(payment["amount"])

    # Routes ---------------------------------------------------------------------------

    def route(self, method: str, path: str, params: dict[str, Any]) -> Answer:
        if params.get("_unreadable"):
            return _error(400, "Bad Request", "The request body is not valid JSON.")
        if method == "POST" and path == "/v2/customers":
            customer = {
                "resource": "customer",
                "id": _id("cst"),
                "mode": "test",
                "metadata": params.get("metadata"),
            }
            self.customers[customer["id"]] = customer
            return Answer(201, customer, content_type="application/hal+json")
        if method == "POST" and path == "/v2/payments":
            return self._create(params)
        match = re.fullmatch(
            r"/v2/payments/([^/]+)(/captures|/refunds|/release-authorization)?", path
        )
        if not match:
            return _error(404, "Not Found", "The resource does not exist.")
        payment = self.payments.get(match.group(1))
        if payment is None:
            return _error(404, "Not Found", "No payment exists with token " + match.group(1) + ".")
        action = match.group(2)
        if method == "GET" and action is None:
            return self._view(payment)
        if method == "DELETE" and action is None:
            if not payment.get("isCancelable"):
                return _error(422, "Unprocessable Entity", "The payment cannot be canceled.")
            payment["status"] = "canceled"
            payment["isCancelable"] = False
            return self._view(payment)
        if method == "POST" and action == "/release-authorization":
            if payment["status"] != "authorized":
                return _error(
                    422, "Unprocessable Entity", "The payment has no authorization to release."
                )
            payment["status"] = "canceled"
            return Answer(202, None, content_type="application/hal+json")
        if method == "POST" and action == "/captures":
            return self._capture(payment, params)
        if method == "POST" and action == "/refunds":
            return self._refund(payment, params)
        return _error(405, "Method Not Allowed", "The method is not allowed here.")

    def _create(self, params: dict[str, Any]) -> Answer:
        try:
            cents = _cents(params["amount"])
            currency = params["amount"]["currency"]
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return _error(422, "Unprocessable Entity", "The amount is invalid.", "amount")
        if not params.get("description"):
            return _error(
                422, "Unprocessable Entity", "The description is required.", "description"
            )
        sequence = params.get("sequenceType", "oneoff")
        if sequence != "recurring" and not params.get("redirectUrl"):
            return _error(
                422, "Unprocessable Entity", "The redirect URL is required.", "redirectUrl"
            )
        if sequence == "first" and params.get("customerId") not in self.customers:
            return _error(422, "Unprocessable Entity", "The customer is invalid.", "customerId")
        payment: dict[str, Any] = {
            "resource": "payment",
            "id": _id("tr"),
            "mode": "test",
            "createdAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "amount": _amount(cents, currency),
            "description": params["description"],
            "method": params.get("method"),
            "metadata": params.get("metadata"),
            "status": "open",
            "isCancelable": True,
            "sequenceType": sequence,
            "captureMode": params.get("captureMode", "automatic"),
            "redirectUrl": params.get("redirectUrl"),
            "customerId": params.get("customerId"),
            "_links": {},
        }
        payment["_links"] = {
            "self": {
                "href": f"{self.url}/v2/payments/{payment['id']}",
                "type": "application/hal+json",
            },
            "checkout": {
                "href": f"https://www.mollie.test/checkout/select-method/{payment['id']}",
                "type": "text/html",
            },
        }
        if sequence == "recurring":
            mandate = self.mandates.get(params.get("mandateId", ""))
            if mandate is None or mandate["customer"] != params.get("customerId"):
                return _error(422, "Unprocessable Entity", "The mandate is invalid.", "mandateId")
            payment["_links"].pop("checkout")
            payment["mandateId"] = params["mandateId"]
            if mandate["declines"]:
                payment["status"] = "failed"
                payment["details"] = {"failureReason": "card_declined"}
            elif payment["captureMode"] == "manual":
                payment["status"] = "authorized"
            else:
                payment["status"] = "paid"
                payment["amountCaptured"] = dict(payment["amount"])
            payment["isCancelable"] = payment["status"] == "authorized"
        self.payments[payment["id"]] = payment
        return Answer(
            201,
            {k: v for k, v in payment.items() if not k.startswith("_")}
            | {"_links": payment["_links"]},
            content_type="application/hal+json",
        )

    def _capture(self, payment: dict[str, Any], params: dict[str, Any]) -> Answer:
        if payment["status"] != "authorized":
            return _error(422, "Unprocessable Entity", "The payment cannot be captured.")
        cents = _cents(params.get("amount") or payment["amount"])
        if cents <= 0 or cents > _cents(payment["amount"]):
            return _error(422, "Unprocessable Entity", "The capture amount is too high.", "amount")
        payment["status"] = "paid"
        payment["isCancelable"] = False
        payment["amountCaptured"] = _amount(cents, payment["amount"]["currency"])
        capture = {
            "resource": "capture",
            "id": _id("cpt"),
            "mode": "test",
            "status": "succeeded",
            "amount": payment["amountCaptured"],
            "paymentId": payment["id"],
        }
        return Answer(201, capture, content_type="application/hal+json")

    def _refund(self, payment: dict[str, Any], params: dict[str, Any]) -> Answer:
        if payment["status"] != "paid":
            return _error(422, "Unprocessable Entity", "The payment cannot be refunded.")
        captured = _cents(payment.get("amountCaptured") or payment["amount"])
        refunded = _cents(payment.get("amountRefunded") or _amount(0))
        cents = _cents(params.get("amount") or _amount(captured - refunded))
        if cents <= 0 or cents > captured - refunded:
            return _error(
                422,
                "Unprocessable Entity",
                "The refund amount is higher than the amount left.",
                "amount",
            )
        payment["amountRefunded"] = _amount(refunded + cents, payment["amount"]["currency"])
        refund = {
            "resource": "refund",
            "id": _id("re"),
            "mode": "test",
            "status": "pending",
            "amount": _amount(cents, payment["amount"]["currency"]),
            "paymentId": payment["id"],
        }
        return Answer(201, refund, content_type="application/hal+json")
