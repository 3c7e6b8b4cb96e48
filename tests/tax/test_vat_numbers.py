"""VAT numbers and the B2B treatment (compliance facts §1.5, vector 11)."""

from datetime import UTC, datetime

import pytest

from panier.tax.vat_numbers import (
    MENTION_FRANCHISE,
    MENTION_INTRA_EU,
    InvalidVatNumber,
    VatNumberCheck,
    VatTreatment,
    ViesStatus,
    sale_treatment,
    vat_number_check,
    vat_number_clean,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "result"),
    [
        ("FR40303265045", "FR40303265045"),
        ("fr 40 303 265 045", "FR40303265045"),
        ("DE136695976", "DE136695976"),
        ("EL094259216", "EL094259216"),
        ("FR41303265045", "checksum"),
        ("FR4030326504", "length"),
        ("GR094259216", "prefix"),
        ("CH123456789", "prefix"),
        ("", "prefix"),
    ],
)
def test_vat_number_format_and_checksum(number, result):
    """Vector 11: FR40303265045 is valid, key 41 fails the checksum, GR must be written EL."""
    if result.isupper():
        assert vat_number_clean(number) == result
    else:
        with pytest.raises(InvalidVatNumber) as caught:
            vat_number_clean(number)
        assert caught.value.params["reason"] == result
        assert caught.value.code == "invalid_vat_number"


def refuse_connection(number):
    raise ConnectionError("ec.europa.eu unreachable")


def test_vies_unreachable_is_recorded_as_unavailable():
    """When VIES cannot be reached the check says so and does not raise."""
    check = vat_number_check("DE136695976", now=NOW, client=refuse_connection)

    assert check.vies_status == ViesStatus.UNAVAILABLE
    assert check.checked_at == NOW
    assert "ConnectionError" in check.detail
    assert not check.confirmed


def test_default_vies_client_falls_back_when_offline():
    """Without network (or a SOAP library) the real VIES client also gives 'unavailable'."""
    check = vat_number_check("DE136695976", now=NOW)

    assert check.vies_status == ViesStatus.UNAVAILABLE


def test_vies_answer_is_kept_as_evidence():
    """A VIES answer keeps its consultation number and the trader name."""
    check = vat_number_check(
        "DE136695976",
        now=NOW,
        client=lambda n: {"valid": True, "requestIdentifier": "WAPIAAAAW1234", "name": "Muster GmbH"},
    )
    assert (check.vies_status, check.consultation_number, check.name) == (ViesStatus.VALID, "WAPIAAAAW1234", "Muster GmbH")


def checked(number, status):
    return VatNumberCheck(number=number, country=number[:2], vies_status=status, checked_at=NOW)


@pytest.mark.parametrize(
    ("customer_country", "buyer", "charges_vat", "kind"),
    [
        ("DE", checked("DE136695976", ViesStatus.VALID), False, VatTreatment.INTRA_EU_EXEMPT),
        ("DE", checked("DE136695976", ViesStatus.INVALID), True, VatTreatment.CHARGE),
        ("DE", checked("DE136695976", ViesStatus.UNAVAILABLE), True, VatTreatment.CHARGE),
        ("FR", checked("FR40303265045", ViesStatus.VALID), True, VatTreatment.CHARGE),
        ("FR", checked("DE136695976", ViesStatus.VALID), True, VatTreatment.CHARGE),
        ("DE", None, True, VatTreatment.CHARGE),
    ],
)
def test_intra_eu_exemption_needs_a_confirmed_foreign_number(customer_country, buyer, charges_vat, kind):
    """Vector 11: an unconfirmed number (invalid or VIES down) or domestic B2B → French VAT."""
    treatment = sale_treatment(
        seller_country="FR", seller_charges_vat=True, customer_country=customer_country, buyer_check=buyer
    )
    assert (treatment.charges_vat, treatment.kind) == (charges_vat, kind)


def test_exempt_and_franchise_sales_carry_their_legal_mention():
    """The exemption cites art. 262 ter I CGI; the franchise cites art. 293 B CGI."""
    exempt = sale_treatment(
        seller_country="FR",
        seller_charges_vat=True,
        customer_country="DE",
        buyer_check=checked("DE136695976", ViesStatus.VALID),
    )
    franchise = sale_treatment(seller_country="FR", seller_charges_vat=False, customer_country="FR")

    assert exempt.mention == MENTION_INTRA_EU
    assert "262 ter I" in exempt.mention
    assert (exempt.category_code, exempt.exemption_code) == ("K", "VATEX-EU-IC")
    assert franchise.mention == MENTION_FRANCHISE
    assert franchise.category_code == "E"


def test_vies_rest_client_keeps_the_consultation_number():
    """The REST client sends the seller's number as requester and keeps VIES's request identifier."""
    from panier.tax.vat_numbers import ViesRestClient
    from tests.tax.vies_server import vies_serving

    with vies_serving() as (url, asked):
        client = ViesRestClient(url, timeout_s=2, requester="FR 40 303265045")
        confirmed = vat_number_check("DE136695976", now=NOW, client=client)
        unknown = vat_number_check("BE0123456749", now=NOW, client=client)

    assert (confirmed.vies_status, confirmed.consultation_number, confirmed.name) == (
        ViesStatus.VALID,
        "WAPI136695976",
        "Muster GmbH",
    )
    assert unknown.vies_status == ViesStatus.INVALID
    assert asked[0] == {
        "countryCode": "DE",
        "vatNumber": "136695976",
        "requesterMemberStateCode": "FR",
        "requesterNumber": "40303265045",
    }


def test_member_state_down_at_vies_is_unavailable():
    """VIES answers an error (a member state's register is down): VAT is charged, not exempted."""
    from panier.tax.vat_numbers import ViesRestClient
    from tests.tax.vies_server import vies_serving

    def down(number, body):
        return 200, {"actionSucceed": False, "errorWrappers": [{"error": "MS_UNAVAILABLE"}]}

    with vies_serving(down) as (url, _asked):
        check = vat_number_check("DE136695976", now=NOW, client=ViesRestClient(url, timeout_s=2))

    assert check.vies_status == ViesStatus.UNAVAILABLE
    assert "MS_UNAVAILABLE" in check.detail
    assert not check.confirmed


def test_vies_not_configured_checks_the_format_only(settings):
    from panier.tax.vat_numbers import vat_number_check_configured

    settings.PANIER_VIES_URL = ""

    check = vat_number_check_configured("de 136 695 976", now=NOW)

    assert (check.number, check.vies_status, check.confirmed) == ("DE136695976", ViesStatus.NOT_CHECKED, False)
    with pytest.raises(InvalidVatNumber):
        vat_number_check_configured("DE136695977", now=NOW)
