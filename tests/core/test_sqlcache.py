"""A query compiled once under a key gives the same rows as Django's own compilation."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from panier.cart.models import Cart
from panier.catalog.models import Variant
from panier.core import sqlcache
from panier.core.sqlcache import KeptQuery, reuse_sql
from panier.delivery.models import Slot, SlotKind, Zone
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_entries():
    sqlcache.forget()
    yield
    sqlcache.forget()


def _variants(hub_id: int, variant_id: int):
    return (
        Variant.objects.select_related("product__producer", "stock")
        .only("label", "product__name", "product__producer__name", "stock__remaining")
        .filter(pk=variant_id, product__hub_id=hub_id)
    )


def _row(variant: Variant) -> tuple:
    return (variant.pk, variant.label, variant.product.name, variant.product.producer.name, variant.stock.remaining)


def test_second_evaluation_reuses_the_sql_with_the_new_values():
    shop = factories.make_shop()
    first, second = shop.variant(0), shop.variant(1)
    rows = [reuse_sql(_variants(shop.hub.pk, v.pk), "test.variants").get() for v in (first, second, first)]
    expected = [_variants(shop.hub.pk, v.pk).get() for v in (first, second, first)]
    assert [_row(v) for v in rows] == [_row(v) for v in expected]
    assert [r.product.name for r in rows] == ["Tomme de chèvre", "Miel de lavande", "Tomme de chèvre"]
    assert sqlcache.stats == {"compiled": 1, "reused": 2}
    # The related rows came with the query: no further query to read them.
    with CaptureQueriesContext(connection) as queries:
        variant = reuse_sql(_variants(shop.hub.pk, second.pk), "test.variants").get()
        assert variant.product.producer.name == "Miellerie des Baous"
        assert variant.stock.remaining == 5
    assert len(queries) == 1


def test_no_row_for_another_hub_and_an_empty_in_list():
    shop, other = factories.make_shop(), factories.make_shop()
    variant = shop.variant(0)
    assert reuse_sql(_variants(shop.hub.pk, variant.pk), "test.variants").first() is not None
    assert reuse_sql(_variants(other.hub.pk, variant.pk), "test.variants").first() is None
    with CaptureQueriesContext(connection) as queries:
        assert list(reuse_sql(Variant.objects.filter(pk__in=[]), "test.empty")) == []
    assert len(queries) == 0


def test_another_where_clause_under_the_same_key_is_compiled_in_full():
    shop = factories.make_shop()
    variant = shop.variant(0)
    reuse_sql(_variants(shop.hub.pk, variant.pk), "test.variants").get()
    # Same key, one condition more: the kept SQL would ignore it.
    narrowed = _variants(shop.hub.pk, variant.pk).filter(label="no such label")
    assert list(reuse_sql(narrowed, "test.variants")) == []
    assert sqlcache.stats["reused"] == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda qs: qs.order_by("-pk"),
        lambda qs: qs.select_related(None),
        lambda qs: qs.defer(None),
        lambda qs: qs[:1],
        lambda qs: qs.select_for_update(of=("self",)),
    ],
    ids=["ordering", "related", "deferred", "limit", "lock"],
)
def test_another_shape_under_the_same_key_is_compiled_in_full(change):
    shop = factories.make_shop()
    variant = shop.variant(0)
    reuse_sql(_variants(shop.hub.pk, variant.pk), "test.variants").get()
    changed = change(reuse_sql(_variants(shop.hub.pk, variant.pk), "test.variants"))
    assert [v.pk for v in changed] == [variant.pk]
    assert sqlcache.stats["reused"] == 0


def test_a_query_with_parameters_outside_its_where_clause_is_never_reused():
    shop = factories.make_shop()
    variant = shop.variant(0)
    for label in ("a", "b"):
        qs = Variant.objects.annotate(tag=Value(label)).filter(pk=variant.pk)
        assert reuse_sql(qs, "test.annotated").get().tag == label
    assert sqlcache.stats == {"compiled": 2, "reused": 0}


def test_prefetched_lines_and_select_related_slots():
    shop = factories.make_shop()
    slots = []
    for kind in (SlotKind.DELIVERY, SlotKind.PICKUP):
        qs = Slot.objects.filter(hub=shop.hub, kind=kind).select_related("pickup_point").order_by("starts_at", "pk")
        slots.append([(s.pk, s.pickup_point) for s in reuse_sql(qs, "test.slots")])
        assert slots[-1] == [(s.pk, s.pickup_point) for s in qs]
    assert slots[0] == [(shop.delivery_slot.pk, None)]
    assert slots[1] == [(shop.pickup_slot.pk, shop.pickup_point)]
    assert sqlcache.stats == {"compiled": 1, "reused": 1}


def test_reused_queries_convert_values_as_django_does():
    # A JSON column and date-times: values that need converters (the
    # field's own, and on SQLite the backend's for date-times).
    shop = factories.make_shop()
    polygons = [[[43.70, 7.25], [43.71, 7.26], [43.69, 7.27]], [[43.60, 7.10], [43.61, 7.11], [43.62, 7.09]]]
    other = Zone.objects.create(hub=shop.hub, name="Antibes", postal_codes="06600", polygon=polygons[1])
    Zone.objects.filter(pk=shop.zone.pk).update(polygon=polygons[0])
    for zone in (shop.zone, other, shop.zone):
        qs = Zone.objects.filter(pk=zone.pk)
        kept, plain = reuse_sql(qs, "test.zone").get(), qs.get()
        assert kept.polygon == plain.polygon
        assert isinstance(kept.polygon, list)
    assert [reuse_sql(Zone.objects.filter(pk=z.pk), "test.zone").get().polygon for z in (shop.zone, other)] == polygons
    slot = shop.delivery_slot
    for _ in range(2):
        kept = reuse_sql(Slot.objects.filter(pk=slot.pk), "test.slot").get()
        assert (kept.starts_at, kept.ends_at, kept.cutoff_at) == (slot.starts_at, slot.ends_at, slot.cutoff_at)
        assert kept.starts_at.tzinfo is not None
    assert sqlcache.stats == {"compiled": 2, "reused": 5}


def test_converters_follow_a_new_entry_under_the_same_key():
    # Converters are kept per entry: once the entries are forgotten, the
    # same key may select other columns, whose converters must be used.
    shop = factories.make_shop()
    Zone.objects.filter(pk=shop.zone.pk).update(polygon=[[1, 2]])
    for _ in range(2):
        assert reuse_sql(Zone.objects.only("name").filter(pk=shop.zone.pk), "test.zone").get().name == "Nice centre"
    sqlcache.forget()
    for _ in range(2):
        zone = reuse_sql(Zone.objects.only("polygon").filter(pk=shop.zone.pk), "test.zone").get()
        assert zone.polygon == [[1, 2]]
    assert sqlcache.stats == {"compiled": 1, "reused": 1}


def test_only_model_instances():
    with pytest.raises(TypeError):
        reuse_sql(Variant.objects.values("pk"), "test.values")


@pytest.mark.django_db(transaction=True)
def test_threads_share_the_kept_sql_and_each_gets_its_own_rows():
    shop = factories.make_shop()
    variants = [shop.variant(i) for i in range(3)]
    reuse_sql(_variants(shop.hub.pk, variants[0].pk), "test.variants").get()
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def read(n: int) -> None:
        try:
            found = []
            for i in range(30):
                wanted = variants[(n + i) % 3]
                found.append(reuse_sql(_variants(shop.hub.pk, wanted.pk), "test.variants").get().pk == wanted.pk)
            results[n] = found
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 4
    assert all(all(found) for found in results.values())
    assert sqlcache.stats["reused"] >= 100


# Queries built once, each call binding its values ---------------------------------


_KEPT_VARIANTS = KeptQuery(
    "test.kept.variants",
    lambda p: Variant.objects.select_related("product__producer", "stock")
    .only("label", "product__name", "product__producer__name", "stock__remaining")
    .filter(pk=p.int("variant"), product__hub_id=p.int("hub"), is_active=True),
)
_KEPT_CARTS = KeptQuery(
    "test.kept.carts", lambda p: Cart.objects.filter(hub_id=p.int("hub"), token=p.uuid("token"), user__isnull=True)
)


def test_a_kept_query_gives_the_rows_of_the_same_filter_without_building_it_again(monkeypatch):
    shop, other = factories.make_shop(), factories.make_shop()
    calls = []
    for variant in (shop.variant(0), shop.variant(1)):
        for hub in (shop.hub, other.hub):
            calls.append((hub.pk, variant.pk))
    list(_KEPT_VARIANTS(variant=shop.variant(0).pk, hub=shop.hub.pk))  # compiled once
    # From now on the WHERE clause is neither built by filter() nor compiled.
    monkeypatch.setattr(sqlcache, "_where", lambda compiler: pytest.fail("the WHERE clause was compiled"))
    rows = [[_row(v) for v in _KEPT_VARIANTS(variant=v, hub=h)] for h, v in calls]

    monkeypatch.undo()
    expected = [[_row(v) for v in _variants(h, v).filter(is_active=True)] for h, v in calls]
    assert rows == expected
    assert [len(r) for r in rows] == [1, 0, 1, 0]
    assert sqlcache.stats["reused"] == 4


def test_a_kept_query_binds_uuids_as_the_database_stores_them():
    shop = factories.make_shop()
    mine, theirs = Cart.objects.create(hub=shop.hub), Cart.objects.create(hub=shop.hub)
    for cart in (mine, theirs, mine):
        assert _KEPT_CARTS(hub=shop.hub.pk, token=cart.token).get() == cart
        # A token given as text is read as Django's filter reads it.
        assert _KEPT_CARTS(hub=shop.hub.pk, token=str(cart.token)).get() == cart
    assert _KEPT_CARTS(hub=shop.hub.pk, token=uuid.uuid4()).first() is None


def test_filtering_a_bound_query_again_compiles_it_as_usual():
    shop = factories.make_shop()
    variant = shop.variant(0)
    assert _KEPT_VARIANTS(variant=variant.pk, hub=shop.hub.pk).first() is not None
    assert _KEPT_VARIANTS(variant=variant.pk, hub=shop.hub.pk).filter(label="no such label").first() is None
    assert _KEPT_VARIANTS(variant=variant.pk, hub=shop.hub.pk).exclude(pk=variant.pk).first() is None
    assert _KEPT_VARIANTS(variant=variant.pk, hub=shop.hub.pk).count() == 1
    assert _KEPT_VARIANTS(variant=variant.pk, hub=shop.hub.pk).exists()


@pytest.mark.parametrize("value", [2**31, 2**63, -(2**63) - 1, 10**30])
def test_an_integer_out_of_the_columns_range_finds_nothing_as_with_filter(value):
    shop = factories.make_shop()
    assert not _variants(shop.hub.pk, value).exists()
    for _ in range(2):
        assert list(_KEPT_VARIANTS(variant=value, hub=shop.hub.pk)) == []


def test_a_kept_query_refuses_none_and_other_names():
    with pytest.raises(TypeError, match="a NULL test is another query"):
        _KEPT_VARIANTS(variant=None, hub=1)
    with pytest.raises(TypeError, match="takes"):
        _KEPT_VARIANTS(variant=1)
    with pytest.raises(TypeError, match="takes"):
        _KEPT_VARIANTS(variant=1, hub=1, extra=2)
    # Text that is no number fails as filter() fails.
    with pytest.raises(ValueError, match="expected a number"):
        _KEPT_VARIANTS(variant="abc", hub=1)


def test_a_named_value_must_be_a_lookups_own_value():
    contains = KeptQuery("test.kept.contains", lambda p: Variant.objects.filter(label__contains=p.str("text")))
    with pytest.raises(ValueError, match="does not reach the SQL as it was given"):
        list(contains(text="kg"))
    unused = KeptQuery("test.kept.unused", lambda p: (p.int("hub"), Variant.objects.all())[1])
    with pytest.raises(ValueError, match="hub not the value of a lookup"):
        unused(hub=1)
