from panier.catalog.rules import unit_price_cents, weighed_price_cents
from panier.tax.rules import TaxLine, vat_breakdown


def test_worked_example_of_the_money_doc_holds():
    """The mixed basket of docs/money.md §6 gives the documented fee split and totals."""
    breakdown = vat_breakdown([TaxLine(gross_cents=3165, rate_bp=550), TaxLine(gross_cents=2400, rate_bp=2000)], fee_cents=690)

    assert breakdown.fee_by_rate == ((550, 414), (2000, 276))
    assert breakdown.as_list() == [
        {"rate_bp": 550, "gross_cents": 3579, "net_cents": 3392, "vat_cents": 187},
        {"rate_bp": 2000, "gross_cents": 2676, "net_cents": 2230, "vat_cents": 446},
    ]
    assert (breakdown.net_cents, breakdown.vat_cents, breakdown.gross_cents) == (5622, 633, 6255)


def test_weighed_and_unit_price_examples_of_the_money_doc_hold():
    """The by-weight and unit-price examples of docs/money.md §5 are what the rules compute."""
    assert weighed_price_cents(2490, 250) == 623
    assert unit_price_cents(1055, 500) == 2110
    assert unit_price_cents(2400, 750) == 3200
