"""VAT numbers: format and checksum, the VIES check, and B2B treatment.

Format and checksum come from python-stdnum (all 27 member states). The
VIES check needs the network; when VIES cannot be reached the number is
recorded as *unavailable* and the supply is **not** exempted: VAT is
charged and can be credited later (compliance facts §1.5).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat

from panier.core.errors import InvalidInput

logger = logging.getLogger(__name__)

EU_PREFIXES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]
)
MENTION_INTRA_EU = "Exonération de TVA, article 262 ter I du CGI — Autoliquidation"
MENTION_FRANCHISE = "TVA non applicable, art. 293 B du CGI"


class InvalidVatNumber(InvalidInput):
    code = "invalid_vat_number"
    default_message = _("This VAT number is not valid.")


class ViesStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True, slots=True)
class VatNumberCheck:
    """The result of checking a VAT number, kept as evidence."""

    number: str
    country: str
    vies_status: ViesStatus
    checked_at: datetime | None = None
    consultation_number: str = ""
    name: str = ""
    detail: str = ""

    @property
    def confirmed(self) -> bool:
        return self.vies_status == ViesStatus.VALID


def vat_number_clean(number: str) -> str:
    """Return the compact form of a valid EU VAT number.

    Raises InvalidVatNumber with ``reason`` ``prefix`` (``GR`` must be
    written ``EL``; non-EU prefixes), ``format``, ``length`` or ``checksum``.
    """
    compact = "".join(ch for ch in (number or "").upper() if ch.isalnum())
    prefix = compact[:2]
    if prefix == "GR":
        raise InvalidVatNumber(_("Greek VAT numbers start with EL, not GR."), field="vat_number", reason="prefix")
    if prefix not in EU_PREFIXES:
        raise InvalidVatNumber(
            _("This is not an EU VAT number: it starts with the country code, e.g. BE or DE."),
            field="vat_number",
            reason="prefix",
        )
    try:
        return eu_vat.validate(compact)
    except stdnum_errors.InvalidChecksum:
        raise InvalidVatNumber(
            _("This VAT number is not valid: its check digits do not match."), field="vat_number", reason="checksum"
        ) from None
    except stdnum_errors.InvalidLength:
        raise InvalidVatNumber(
            _("This VAT number does not have the right length for its country."), field="vat_number", reason="length"
        ) from None
    except stdnum_errors.ValidationError:
        raise InvalidVatNumber(field="vat_number", reason="format") from None


ViesClient = Callable[[str], dict[str, Any]]


def vies_client_default(number: str) -> dict[str, Any]:
    """Ask the European Commission's VIES service (SOAP, short timeout)."""
    return eu_vat.check_vies(number, timeout=5)


class ViesRestClient:
    """The VIES REST service (``check-vat-number``), or any server answering like it.

    ``requester`` is the seller's own VAT number: VIES then returns a
    consultation number (``requestIdentifier``), the evidence of the check.
    Raises OSError or ValueError when the service cannot answer; VIES
    itself answers ``MS_UNAVAILABLE`` and similar when a member state's
    register is down, which is also a failure to check.
    """

    def __init__(self, url: str, *, timeout_s: float = 5.0, requester: str = ""):
        self.url = url
        self.timeout_s = timeout_s
        self.requester = "".join(ch for ch in requester.upper() if ch.isalnum())

    def __call__(self, number: str) -> dict[str, Any]:
        body: dict[str, str] = {"countryCode": number[:2], "vatNumber": number[2:]}
        if len(self.requester) > 2:
            body["requesterMemberStateCode"] = self.requester[:2]
            body["requesterNumber"] = self.requester[2:]
        request = urllib.request.Request(  # noqa: S310 (configured URL)
            self.url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise OSError(f"VIES answered HTTP {exc.code}") from exc
        if not isinstance(answer, dict) or "valid" not in answer:
            error = answer.get("errorWrappers") if isinstance(answer, dict) else None
            raise ValueError(f"VIES gave no answer: {error!r}"[:200])
        return answer


def vat_number_check(
    number: str, *, now: datetime, client: ViesClient | None = None
) -> VatNumberCheck:
    """Check a VAT number's format, then ask VIES.

    Raises InvalidVatNumber for a malformed number. Any failure to reach
    VIES (network, missing SOAP library, service down) gives status
    ``unavailable``, never an exception: the caller then charges VAT.
    """
    compact = vat_number_clean(number)
    client = client or vies_client_default
    try:
        answer = client(compact)
    except Exception as exc:  # noqa: BLE001 - any failure of the remote service is "unavailable"
        logger.warning("vies.unavailable", extra={"vat_number": compact, "error": type(exc).__name__})
        return VatNumberCheck(
            number=compact,
            country=compact[:2],
            vies_status=ViesStatus.UNAVAILABLE,
            checked_at=now,
            detail=f"{type(exc).__name__}: {exc}"[:200],
        )
    status = ViesStatus.VALID if answer.get("valid") else ViesStatus.INVALID
    return VatNumberCheck(
        number=compact,
        country=compact[:2],
        vies_status=status,
        checked_at=now,
        consultation_number=str(answer.get("requestIdentifier") or ""),
        name=str(answer.get("name") or "").strip()[:200],
    )


def vat_number_check_configured(number: str, *, now: datetime, requester: str = "") -> VatNumberCheck:
    """Check a number against the VIES service of ``PANIER_VIES_URL``, if any.

    A network call (``PANIER_VIES_TIMEOUT_S``): call it with no database
    transaction open. Without a configured service the number is checked
    for format and checksum only (status ``not_checked``): VAT is charged.
    Raises InvalidVatNumber for a malformed number.
    """
    if not settings.PANIER_VIES_URL:
        compact = vat_number_clean(number)
        return VatNumberCheck(number=compact, country=compact[:2], vies_status=ViesStatus.NOT_CHECKED)
    client = ViesRestClient(settings.PANIER_VIES_URL, timeout_s=settings.PANIER_VIES_TIMEOUT_S, requester=requester)
    return vat_number_check(number, now=now, client=client)


class VatTreatment(StrEnum):
    CHARGE = "charge"
    INTRA_EU_EXEMPT = "intra_eu_exempt"
    FRANCHISE = "franchise"


@dataclass(frozen=True, slots=True)
class Treatment:
    """How VAT applies to one sale, with the invoice mention and EN 16931 codes."""

    kind: VatTreatment
    mention: str
    category_code: str
    exemption_code: str = ""

    @property
    def charges_vat(self) -> bool:
        return self.kind == VatTreatment.CHARGE


CHARGE = Treatment(VatTreatment.CHARGE, "", "S")
FRANCHISE = Treatment(VatTreatment.FRANCHISE, MENTION_FRANCHISE, "E", "VATEX-FR-FRANCHISE")
INTRA_EU = Treatment(VatTreatment.INTRA_EU_EXEMPT, MENTION_INTRA_EU, "K", "VATEX-EU-IC")


def sale_treatment(
    *,
    seller_country: str,
    seller_charges_vat: bool,
    customer_country: str,
    buyer_check: VatNumberCheck | None = None,
    shipped_to_customer_country: bool = True,
) -> Treatment:
    """Decide whether a sale carries VAT (CGI art. 262 ter I, art. 293 B).

    An intra-EU supply of goods is exempt only for a buyer whose VAT number
    of another member state VIES confirmed, with the goods transported
    there. Domestic B2B is never reverse-charged. An unconfirmed number
    (invalid or VIES unavailable) means VAT is charged.
    """
    if not seller_charges_vat:
        return FRANCHISE
    if (
        buyer_check is not None
        and buyer_check.confirmed
        and buyer_check.country != _vat_prefix(seller_country)
        and buyer_check.country == _vat_prefix(customer_country)
        and shipped_to_customer_country
    ):
        return INTRA_EU
    return CHARGE


def _vat_prefix(country: str) -> str:
    return "EL" if country == "GR" else country
