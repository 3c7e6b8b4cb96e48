from django.core.cache import cache

from panier.core.cache_versions import catalog_version_bump
from panier.traffic.pagecache import hub_ids_forget
from tests import factories


def _setup(settings):
    settings.PANIER_PAGE_CACHE = True
    cache.clear()
    hub_ids_forget()


def test_anonymous_catalog_page_is_served_from_cache_without_queries(client, db, settings, django_assert_num_queries):
    """The second anonymous visit of a catalog page runs no SQL at all."""
    _setup(settings)
    hub = factories.hub()
    first = client.get(f"/{hub.slug}/")

    with django_assert_num_queries(0):
        second = client.get(f"/{hub.slug}/")

    assert first["X-Panier-Cache"] == "miss"
    assert second["X-Panier-Cache"] == "hit"
    assert second.content == first.content
    assert "s-maxage" in second["Cache-Control"]


def test_etag_answers_304(client, db, settings):
    """A client (or shared cache) revalidating with the ETag gets 304."""
    _setup(settings)
    hub = factories.hub()
    etag = client.get(f"/{hub.slug}/")["ETag"]

    response = client.get(f"/{hub.slug}/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304


def test_a_version_bump_invalidates_the_hub_pages(client, db, settings):
    """After a change is saved the next visit renders the page again, with a new ETag."""
    _setup(settings)
    hub = factories.hub()
    before = client.get(f"/{hub.slug}/")

    catalog_version_bump(hub.pk)
    after = client.get(f"/{hub.slug}/")

    assert after["X-Panier-Cache"] == "miss"
    assert after["ETag"] != before["ETag"]
    assert client.get(f"/{hub.slug}/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_other_cookies_and_other_pages_bypass_the_cache(client, db, settings):
    """A cookie other than the session's, language's or CSRF's, and non-catalog pages, are never served from the cache."""
    _setup(settings)
    hub = factories.hub()
    client.get(f"/{hub.slug}/")
    client.cookies["tracking"] = "abc"

    other = client.get(f"/{hub.slug}/")
    health = client.get("/healthz")

    assert "X-Panier-Cache" not in other
    assert "X-Panier-Cache" not in health


def test_cache_is_off_by_default_without_redis(client, db):
    """Without a shared cache the page cache stays off (test settings have no REDIS_URL)."""
    hub = factories.hub()

    assert "X-Panier-Cache" not in client.get(f"/{hub.slug}/")


def _cached_product_page(client, shop, settings, index=0):
    _setup(settings)
    url = f"/{shop.hub.slug}/p/{shop.products[index].slug}/"
    client.get(url)
    assert client.get(url)["X-Panier-Cache"] == "hit"
    return url


def test_a_saved_price_shows_at_once(client, shop, settings, django_capture_on_commit_callbacks):
    """No stale price: saving a variant's price invalidates the cached page."""
    url = _cached_product_page(client, shop, settings)
    variant = shop.variant(0)

    with django_capture_on_commit_callbacks(execute=True):
        variant.price_cents = 777
        variant.save()
    page = client.get(url)

    assert page["X-Panier-Cache"] == "miss"
    assert "7,77" in page.content.decode()


def test_stock_changes_invalidate_only_when_the_displayed_band_changes(
    client, shop, settings, django_capture_on_commit_callbacks
):
    """10 → 9 units shows the same 'in stock'; 9 → 3 shows 'only 3 left' and must refresh."""
    from panier.inventory.services import stock_set

    url = _cached_product_page(client, shop, settings)
    variant_id = shop.variant(0).pk

    with django_capture_on_commit_callbacks(execute=True):
        stock_set(variant_id=variant_id, remaining=9)
    still_cached = client.get(url)["X-Panier-Cache"]
    with django_capture_on_commit_callbacks(execute=True):
        stock_set(variant_id=variant_id, remaining=3)
    refreshed = client.get(url)

    assert still_cached == "hit"
    assert refreshed["X-Panier-Cache"] == "miss"


def test_hits_come_from_the_worker_memory_and_never_outlive_the_version(client, db, settings):
    """A page kept in process memory is served without the shared copy, and not after a change or a cache flush."""
    from panier.traffic.pagecache import local_pages, slot_for

    _setup(settings)
    hub = factories.hub()
    first = client.get(f"/{hub.slug}/")
    cache.delete(slot_for(f"/{hub.slug}/", "").key)  # the shared copy goes

    from_memory = client.get(f"/{hub.slug}/")
    assert from_memory["X-Panier-Cache"] == "hit"
    assert from_memory.content == first.content

    catalog_version_bump(hub.pk)
    assert client.get(f"/{hub.slug}/")["X-Panier-Cache"] == "miss"

    # The shared cache emptied (a Redis restart): versions start again at a
    # number never used before, so the pages kept in memory are not served.
    kept = len(local_pages())
    cache.clear()
    assert client.get(f"/{hub.slug}/")["X-Panier-Cache"] == "miss"
    assert kept >= 1


def test_memory_copy_keeps_within_its_budget_and_expires():
    """Least recently used pages leave first; an entry older than the TTL is not served."""
    from panier.traffic.pagecache import LocalPages

    pages = LocalPages(budget_bytes=3000, ttl_s=10)
    for name in "abc":
        pages.put(name, name.encode() * 900, [], now=0)
    assert pages.get("a", now=1) is not None  # "a" is now the most recent
    pages.put("d", b"d" * 900, [], now=1)

    assert pages.get("b", now=2) is None
    assert pages.get("a", now=2) is not None
    assert pages.get("d", now=2) is not None
    assert pages.used <= 3000
    assert pages.get("a", now=11) is None
    pages.put("huge", b"x" * 5000, [], now=0)
    assert pages.get("huge", now=0) is None



def test_made_up_paths_do_not_read_the_hubs_on_every_request(db, django_assert_num_queries):
    """The page cache reads the hub list at most once a second for paths that name no hub, not once per path."""
    from panier.traffic import pagecache

    hub_ids_forget()
    hub = factories.hub()
    assert pagecache.slot_for(f"/{hub.slug}/", "").hub_id == hub.pk  # the list is read

    with django_assert_num_queries(0):
        assert all(pagecache.slot_for(f"/no-such-hub-{n}/", "") is None for n in range(20))


def test_a_hub_opened_after_the_list_was_read_is_found_a_second_later(db, monkeypatch):
    from panier.traffic import pagecache

    hub_ids_forget()
    first = factories.hub()
    assert pagecache.slot_for(f"/{first.slug}/", "").hub_id == first.pk
    second = factories.hub()
    assert pagecache.slot_for(f"/{second.slug}/", "") is None  # within the second: not read again

    later = pagecache.time.monotonic() + 1.5
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)

    assert pagecache.slot_for(f"/{second.slug}/", "").hub_id == second.pk
