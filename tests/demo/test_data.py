from stdnum.eu import vat
from stdnum.fr import siret

from panier.demo.data import HUBS, PRODUCERS, PRODUCTS, VariantSpec, parse_variants


def test_compact_variant_specs_give_labels_quantities_and_weights():
    """Packs, pieces, goods by weight and custom labels parse into variant specs."""
    assert parse_variants("250g:690; 1kg:1990") == [
        VariantSpec("250 g", 690, 250, None, "kg"),
        VariantSpec("1 kg", 1990, 1000, None, "kg"),
    ]
    assert parse_variants("75cl:2400; Magnum|150cl:5200") == [
        VariantSpec("75 cl", 2400, 750, None, "l"),
        VariantSpec("Magnum", 5200, 1500, None, "l"),
    ]
    assert parse_variants("~250g:2490") == [VariantSpec("environ 250 g", 2490, None, 250, "kg")]
    assert parse_variants("pc:130; pc100g:280") == [
        VariantSpec("pièce", 130, None, None, "piece"),
        VariantSpec("pièce de 100 g", 280, 100, None, "kg"),
    ]


def test_every_product_has_one_to_three_variants_and_every_identity_is_valid():
    """The demo catalog is well formed and its SIRET and VAT numbers pass their checksums."""
    for items in PRODUCTS.values():
        for item in items:
            assert 1 <= len(parse_variants(item[4])) <= 3, item[0]
    for entity in [*HUBS, *PRODUCERS]:
        assert siret.is_valid(entity["siret"]), entity["name"]
        assert entity["vat_regime"] == "franchise" or vat.is_valid(entity["vat_number"]), entity["name"]
        if entity["vat_number"]:
            siren = entity["siret"][:9]
            assert entity["vat_number"] == f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
