from io import StringIO

import pytest
from django.core.management import call_command
from stdnum.eu import vat
from stdnum.fr import siret

from panier.accounts.models import User
from panier.catalog.models import Product, ProductImage, Variant
from panier.delivery.models import Slot
from panier.hubs.models import Hub, HubStaff, SellingMode, VatRegime
from panier.orders.models import Order, OrderStatus
from panier.payments.models import Payment, PaymentStatus
from panier.producers.models import Producer, ProducerStaff

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _run(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_builds_two_complete_hubs_with_past_orders():
    """On an empty database the demo creates both hubs, their catalog, slots, logins and paid past orders."""
    output = _run()

    nice, antibes = Hub.objects.get(slug="nice"), Hub.objects.get(slug="antibes")
    assert nice.selling_mode == SellingMode.RESELLER
    assert antibes.selling_mode == SellingMode.MARKETPLACE
    for hub in (nice, antibes):
        assert siret.is_valid(hub.siret)
        assert vat.is_valid(hub.vat_number)
        assert hub.min_order_cents == 1500
        assert hub.timezone == "Europe/Paris"
    assert Producer.objects.count() >= 12
    for producer in Producer.objects.all():
        assert siret.is_valid(producer.siret)
        assert producer.vat_regime == VatRegime.FRANCHISE or vat.is_valid(producer.vat_number)
    assert Producer.objects.filter(hub=antibes, vat_regime=VatRegime.FRANCHISE).exists()
    assert Product.objects.count() >= 140
    assert not Product.objects.filter(variants__isnull=True).exists()
    assert not Product.objects.filter(images__isnull=True).exists()
    assert ProductImage.objects.count() == Product.objects.count()
    assert all(img.image.storage.exists(img.image.name) for img in ProductImage.objects.all()[:5])
    assert Product.objects.filter(sold_by_weight=True).exists()
    assert not Variant.objects.filter(product__sold_by_weight=True, estimated_weight_g__isnull=True).exists()
    assert Product.objects.filter(withdrawal_exception="personalised").exists()
    assert Product.objects.get(hub=antibes, slug="nougat-blanc-de-provence").tax_category == "confectionery"
    assert Variant.objects.filter(stock__remaining=0).exists()
    assert Slot.objects.filter(hub=nice, kind="delivery", cutoff_at__gt=Order.objects.latest("placed_at").placed_at).exists()
    assert HubStaff.objects.filter(user__email="operateur@panier.test").count() == 2
    assert User.objects.get(email="operateur@panier.test").is_superuser
    assert ProducerStaff.objects.filter(user__email="producteur@panier.test").exists()
    assert User.objects.get(email="client@panier.test").check_password("panier-demo")
    delivered = Order.objects.filter(status=OrderStatus.DELIVERED)
    assert delivered.count() >= 10
    assert Order.objects.filter(user__email="client@panier.test").exists()
    assert not Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).exists()
    assert all(o.paid_at is not None and o.paid_at < o.slot.starts_at for o in delivered)
    assert Payment.objects.filter(status=PaymentStatus.AUTHORISED).count() == Order.objects.count()
    assert "client@panier.test" in output
    assert "panier-demo" in output


def test_running_the_demo_twice_does_not_duplicate_and_reset_reloads():
    """A second run only prints the logins; --reset wipes and loads the same data again."""
    _run()
    counts = (Hub.objects.count(), Product.objects.count(), Order.objects.count(), User.objects.count())

    second = _run()

    assert "already exist" in second
    assert (Hub.objects.count(), Product.objects.count(), Order.objects.count(), User.objects.count()) == counts

    _run("--reset")

    assert Hub.objects.count() == counts[0]
    assert Product.objects.count() == counts[1]
    assert User.objects.count() == counts[3]
    assert Order.objects.count() >= 14
    assert ProductImage.objects.count() == counts[1]
