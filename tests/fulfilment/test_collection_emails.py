from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from panier.fulfilment.errors import CollectionTooEarly
from panier.fulfilment.models import CollectionListSent
from panier.fulfilment.services import collection_lists_send
from panier.orders.models import OrderLine
from tests import factories


def test_collection_lists_sent_after_cutoff_once_with_exact_quantities(shop, django_capture_on_commit_callbacks):
    """After the cut-off each producer gets one e-mail whose quantities add up exactly to the paid order lines."""
    shop.producers[0].email = "fromagerie@example.org"
    shop.producers[0].save()
    shop.producers[1].email = "miel@example.org"
    shop.producers[1].save()
    orders = [factories.placed_order(shop, [(0, 2), (1, 1)]), factories.placed_order(shop, [(0, 3), (2, 1)])]
    factories.placed_order(shop, [(0, 4)], paid=False)  # unpaid: not collected
    slot = shop.delivery_slot
    day = slot.starts_at.astimezone(ZoneInfo(shop.hub.timezone)).date()
    with pytest.raises(CollectionTooEarly):
        collection_lists_send(hub=shop.hub, day=day, now=slot.cutoff_at - timedelta(minutes=1))
    after = max(slot.cutoff_at, shop.pickup_slot.cutoff_at) + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert collection_lists_send(hub=shop.hub, day=day, now=after) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"fromagerie@example.org", "miel@example.org"}
    assert "1 × Miel de lavande" in by_to["miel@example.org"].body
    cheese = by_to["fromagerie@example.org"].body
    paid_qty = sum(OrderLine.objects.filter(order__in=orders, producer=shop.producers[0]).values_list("quantity", flat=True))
    assert paid_qty == 5
    assert "5 × Tomme de chèvre" in cheese
    for o in orders:
        assert o.number in cheese
    with django_capture_on_commit_callbacks(execute=True):
        assert collection_lists_send(hub=shop.hub, day=day, now=after) == 0
    assert CollectionListSent.objects.count() == 2


def test_collection_lists_command(shop, capsys):
    """The command refuses before the cut-off and sends with --force."""
    factories.placed_order(shop, [(0, 1)])
    day = shop.delivery_slot.starts_at.astimezone(ZoneInfo(shop.hub.timezone)).date()
    with pytest.raises(Exception, match="collection_too_early"):
        call_command("collection_lists", "send", "--hub", shop.hub.slug, "--date", day.isoformat())
    call_command("collection_lists", "send", "--hub", shop.hub.slug, "--date", day.isoformat(), "--force")
    assert "1 collection list(s) sent" in capsys.readouterr().out
