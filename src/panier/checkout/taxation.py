"""Where a basket's VAT is due: the seller's member state or the consumer's (art. 59c).

A consumer delivered in another member state is taxed at the seller's
(French) rates while the seller's distance sales stay at or below
EUR 10,000 this year and last year, and at the rates of the consumer's
member state from the sale that crosses the threshold on, or from the
first euro when the seller opted for it (``oss_destination_option`` of the
hub or producer).
The seller identity is the hub, or each producer selling in its own name
(marketplace mode). The rule itself is :func:`panier.tax.oss.place_of_taxation`.

Prices stay VAT-inclusive: the consumer pays the price shown on the
product page whatever the place of taxation; the VAT inside it follows the
rate applied and the net follows from it (docs/invoicing.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from panier.hubs.models import Hub, SellingMode, VatRegime
from panier.invoicing.selectors import oss_running_total_cents
from panier.orders.models import TaxPlace
from panier.producers.models import Producer
from panier.tax import oss
from panier.tax import rules as tax_rules

#: The rate table and OSS name Greece EL; addresses and companies use GR.
_RATE_COUNTRY = {"GR": "EL"}


@dataclass(frozen=True)
class LineTax:
    """The rate of one line and where it comes from."""

    rate_bp: int
    place: str
    country: str


@dataclass(frozen=True)
class Placement:
    """The place-of-taxation decision of each seller identity of a basket.

    Keys: ``None`` for the hub, a producer's pk in marketplace mode.
    """

    on: date
    decisions: dict[int | None, oss.Decision] = field(default_factory=dict)

    def decision_for(self, hub: Hub, producer: Producer) -> oss.Decision | None:
        return self.decisions.get(_seller_key(hub, producer))

    @property
    def needs_lock(self) -> bool:
        """True when a running total below the threshold decided: a concurrent sale may change it."""
        return any(d.reason == oss.Reason.BELOW_THRESHOLD for d in self.decisions.values())


def _seller_key(hub: Hub, producer: Producer) -> int | None:
    return producer.pk if hub.selling_mode == SellingMode.MARKETPLACE else None


def _regime(hub: Hub, producer: Producer) -> str:
    return producer.vat_regime if hub.selling_mode == SellingMode.MARKETPLACE else hub.vat_regime


def line_tax(hub: Hub, line, placement: Placement | None = None) -> LineTax:
    """The rate of a basket line: the origin's, or the consumer's state's when the destination applies.

    The destination rate is the one of the product's tax category in the
    consumer's member state on the supply date.
    """
    producer = line.product.producer
    charges = _regime(hub, producer) != VatRegime.FRANCHISE
    category = line.product.tax_category
    decision = placement.decision_for(hub, producer) if placement is not None else None
    if decision is not None and decision.taxation == oss.Taxation.DESTINATION:
        country = _RATE_COUNTRY.get(decision.country, decision.country)
        rate = tax_rules.rate_bp(category, country=country, on=placement.on, seller_charges_vat=charges)
        return LineTax(rate_bp=rate, place=TaxPlace.DESTINATION, country=decision.country)
    return LineTax(rate_bp=tax_rules.rate_bp(category, seller_charges_vat=charges), place=TaxPlace.ORIGIN,
                   country=hub.country)


def _origin_nets(hub: Hub, lines, fee_cents: int) -> dict[int | None, int]:
    """Net (VAT-exclusive) amount of the sale of each seller identity, at origin rates.

    The hub's sale carries the delivery fee; a producer's sale is its goods.
    """
    by_seller: dict[int | None, list[tax_rules.TaxLine]] = defaultdict(list)
    for line in lines:
        producer = line.product.producer
        if _regime(hub, producer) == VatRegime.FRANCHISE:
            continue
        origin = line_tax(hub, line)
        by_seller[_seller_key(hub, producer)].append(tax_rules.TaxLine(line.line_total_cents, origin.rate_bp))
    return {
        key: tax_rules.vat_breakdown(taxed, fee_cents=fee_cents if key is None else 0).net_cents
        for key, taxed in by_seller.items()
    }


def _opted(seller) -> bool:
    return seller.oss_destination_option


def taxation_decide(
    *,
    hub: Hub,
    lines,
    fee_cents: int,
    customer_country: str,
    delivered: bool,
    to_business: bool,
    charges_vat: bool,
    on: date,
) -> Placement | None:
    """Decide where each seller identity's part of a basket is taxed.

    ``None`` when the question does not arise: no VAT charged (intra-EU
    exempt supply or small-business exemption), pickup at the hub, or a
    customer in the hub's own member state. The sale's net amount is taken
    at origin rates (the amount that would be counted were it taxed at
    origin), and this year's running total counts the orders already
    placed, so the sale that takes it past EUR 10,000 is taxed at
    destination. Reads the database: call it inside the order's
    transaction, after :func:`taxation_lock`, for the decision to hold.
    """
    if not charges_vat or not delivered or customer_country == hub.country:
        return None
    decisions: dict[int | None, oss.Decision] = {}
    producers = {line.product.producer.pk: line.product.producer for line in lines}
    for key, net in _origin_nets(hub, lines, fee_cents).items():
        producer = producers[key] if key is not None else None
        seller = producer if producer is not None else hub
        profile = oss.SellerProfile(
            home_country=hub.country,
            previous_year_cents=oss_running_total_cents(hub=hub, producer=producer, year=on.year - 1),
            opted_destination=_opted(seller),
        )
        sale = oss.Sale(on=on, customer_country=customer_country, net_cents=net, to_business=to_business)
        year_to_date = oss_running_total_cents(hub=hub, producer=producer, year=on.year)
        decisions[key] = oss.place_of_taxation(profile=profile, sale=sale, year_to_date_cents=year_to_date)
    return Placement(on=on, decisions=decisions)


def taxation_lock(*, hub: Hub, placement: Placement | None) -> None:
    """Lock the seller rows whose decision rests on a running total below the threshold.

    Two baskets that would cross the threshold together are then decided
    one after the other: the second sees the first order in its running
    total. Call inside the order's transaction, then decide again.
    """
    if placement is None or not placement.needs_lock:
        return
    keys = sorted(k for k, d in placement.decisions.items() if d.reason == oss.Reason.BELOW_THRESHOLD and k)
    if None in placement.decisions and placement.decisions[None].reason == oss.Reason.BELOW_THRESHOLD:
        list(Hub.objects.select_for_update().filter(pk=hub.pk).values_list("pk"))
    if keys:
        list(Producer.objects.select_for_update().filter(pk__in=keys).order_by("pk").values_list("pk"))
