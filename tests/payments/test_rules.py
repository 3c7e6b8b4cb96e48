"""SCA exemptions and payment amounts, against the PSD2 worked examples."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panier.payments import rules
from panier.payments.adapters.base import Exemption
from panier.payments.rules import ScaContext, capture_plan, sca_exemption


def test_rule_values_are_the_adapter_exemptions():
    """The pure rules speak the adapters' Exemption values."""
    assert {rules.NONE, rules.CHALLENGE, rules.LOW_VALUE, rules.TRA, rules.MIT, rules.RECURRING} == {
        e.value for e in Exemption
    }


@pytest.mark.parametrize(
    ("previous_cents", "expected"),
    [(6000, rules.LOW_VALUE), (8000, rules.LOW_VALUE), (10400, rules.NONE)],
)
def test_low_value_24_euros_by_cumulative_amount(previous_cents, expected):
    """€24 CIT: previous 60 or 80 ≤ 100 may be exempt; previous 104 needs SCA."""
    assert sca_exemption(ScaContext(amount_cents=2400, previous_exempt_cents=previous_cents)) == expected


def test_low_value_by_count():
    """An issuer counting payments: five previous exempt ones still pass, six do not."""
    base = dict(amount_cents=2400, low_value_counter="count", previous_exempt_cents=99999)
    assert sca_exemption(ScaContext(previous_exempt_count=5, **base)) == rules.LOW_VALUE
    assert sca_exemption(ScaContext(previous_exempt_count=6, **base)) == rules.NONE


@pytest.mark.parametrize(
    ("amount", "rate_ppm", "expected"),
    [
        (3100, None, rules.NONE),  # €31: never low value, TRA unknown rate
        (3100, 1300, rules.TRA),  # ≤ 0.13 %
        (3100, 1301, rules.NONE),
        (20000, 600, rules.TRA),  # up to €250 at ≤ 0.06 %
        (20000, 1300, rules.NONE),
        (48000, 100, rules.TRA),  # €480 only at ≤ 0.01 %
        (48000, 600, rules.NONE),
        (60000, 0, rules.NONE),  # €600: SCA whatever the rate
    ],
)
def test_transaction_risk_analysis_bands(amount, rate_ppm, expected):
    """TRA follows the fraud-rate bands of RTS art. 18 and never applies above €500."""
    ctx = ScaContext(amount_cents=amount, provider_supports_tra=True, fraud_rate_ppm=rate_ppm)
    assert sca_exemption(ctx) == expected


def test_tra_needs_a_provider_that_offers_it():
    """A low fraud rate is not enough if the provider runs no risk analysis."""
    assert sca_exemption(ScaContext(amount_cents=3100, fraud_rate_ppm=10)) == rules.NONE


def test_subscription_basket_first_then_recurring_then_upgrade():
    """€29.90 with card storage → challenge; weekly same amount MIT → recurring; upgrade to €39.90 → challenge."""
    assert sca_exemption(ScaContext(amount_cents=2990, sets_up_mandate=True)) == rules.CHALLENGE
    weekly = ScaContext(amount_cents=2990, customer_initiated=False, same_amount_as_mandate=True)
    assert sca_exemption(weekly) == rules.RECURRING
    assert sca_exemption(ScaContext(amount_cents=2990, customer_initiated=False)) == rules.MIT
    assert sca_exemption(ScaContext(amount_cents=3990, sets_up_mandate=True)) == rules.CHALLENGE


def test_soft_decline_is_retried_once_with_a_challenge():
    """Visa 1A after an exemption → one retry with full 3DS; never a second, never a hard decline."""
    assert rules.soft_decline_retry(decline_code="1A", exemption=rules.LOW_VALUE, retries=0) == rules.CHALLENGE
    assert rules.soft_decline_retry(decline_code="1A", exemption=rules.CHALLENGE, retries=1) is None
    assert rules.soft_decline_retry(decline_code="1A", exemption=rules.LOW_VALUE, retries=1) is None
    assert rules.soft_decline_retry(decline_code="insufficient_funds", exemption="", retries=0) is None


def test_catch_weight_cheese():
    """Estimated €18.00: weighed €16.42 captures 16.42 and releases 1.58; €19.10 captures 18.00, 1.10 short."""
    assert capture_plan(authorised_cents=1800, final_cents=1642) == rules.CapturePlan(1642, 158, 0)
    assert capture_plan(authorised_cents=1800, final_cents=1910) == rules.CapturePlan(1800, 0, 110)


def test_authorisation_margin_on_weighed_goods():
    """15 % on €18.00 of weighed goods in a €30.00 order authorises €32.70."""
    assert rules.authorisation_cents(total_cents=3000, weighed_cents=1800, margin_percent=15) == 3270
    assert rules.authorisation_cents(total_cents=3000, weighed_cents=0, margin_percent=15) == 3000
    assert rules.authorisation_cents(total_cents=1001, weighed_cents=1001, margin_percent=15) == 1151


amounts = st.integers(min_value=1, max_value=10**7)


@given(
    amount=amounts,
    cit=st.booleans(),
    mandate=st.booleans(),
    same=st.booleans(),
    prev_cents=st.integers(0, 10**6),
    prev_count=st.integers(0, 50),
    counter=st.sampled_from(["amount", "count"]),
    tra=st.booleans(),
    rate=st.one_of(st.none(), st.integers(0, 5000)),
)
def test_exemption_properties(amount, cit, mandate, same, prev_cents, prev_count, counter, tra, rate):
    """Exemptions never exceed their legal limits, and MIT/mandate flags always win."""
    ctx = ScaContext(amount_cents=amount, customer_initiated=cit, sets_up_mandate=mandate,
                     same_amount_as_mandate=same, previous_exempt_cents=prev_cents,
                     previous_exempt_count=prev_count, low_value_counter=counter,
                     provider_supports_tra=tra, fraud_rate_ppm=rate)
    result = sca_exemption(ctx)
    assert result in {e.value for e in Exemption}
    if not cit:
        assert result in (rules.MIT, rules.RECURRING)
        return
    assert result not in (rules.MIT, rules.RECURRING)
    if mandate:
        assert result == rules.CHALLENGE
    if result == rules.LOW_VALUE:
        assert amount <= 3000
        assert (prev_cents <= 10000) if counter == "amount" else (prev_count <= 5)
    if result == rules.TRA:
        assert tra
        assert rate is not None
        assert amount <= 50000
    if amount > 50000:
        assert result in (rules.NONE, rules.CHALLENGE)


@given(authorised=st.integers(0, 10**7), final=st.integers(0, 10**7))
def test_capture_never_exceeds_the_authorisation(authorised, final):
    """Capture + release = authorisation; capture + shortfall = final amount; capture ≤ authorised."""
    plan = capture_plan(authorised_cents=authorised, final_cents=final)
    assert plan.capture_cents <= authorised
    assert plan.capture_cents + plan.release_cents == authorised
    assert plan.capture_cents + plan.shortfall_cents == final
    assert min(plan.capture_cents, plan.release_cents, plan.shortfall_cents) >= 0


@given(total=st.integers(0, 10**7), share=st.integers(0, 100), margin=st.integers(0, 100))
def test_margin_only_adds(total, share, margin):
    """The authorisation is never below the total and adds at most the margin on weighed goods (+1 cent rounding)."""
    weighed = total * share // 100
    amount = rules.authorisation_cents(total_cents=total, weighed_cents=weighed, margin_percent=margin)
    assert total <= amount <= total + weighed * margin // 100 + 1
