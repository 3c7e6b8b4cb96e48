import pytest


def test_pages_are_french_by_default_and_english_under_en(client, shop):
    """The shop speaks French at the root and English under /en/, with links between them."""
    french = client.get("/healthz")
    assert french.status_code == 200

    fr_page = client.get(f"/{shop.hub.slug}/").content.decode()
    en_page = client.get(f"/en/{shop.hub.slug}/").content.decode()

    assert '<html lang="fr">' in fr_page
    assert '<html lang="en">' in en_page
    assert f'href="/en/{shop.hub.slug}/"' in fr_page
    assert f'href="/{shop.hub.slug}/"' in en_page


@pytest.mark.parametrize(
    "path",
    [
        "/{slug}/",
        "/en/{slug}/?page=2&sort=price",
        "/{slug}/checkout/",
        "/en/{slug}/checkout/return/1b4e28ba-2fa1-11d2-883f-0016d3cca427/",
        "/en/orders/",
        "/no/such/page/at/all/",
    ],
)
def test_language_links_are_those_translate_url_gives(rf, shop, path):
    """The links reuse the request's URL match and give what translate_url gives, query string included."""
    from django.urls import Resolver404, resolve, translate_url

    from panier.web.context_processors import shop as shop_context

    path = path.format(slug=shop.hub.slug)
    request = rf.get(path)
    try:
        request.resolver_match = resolve(request.path_info)
    except Resolver404:
        request.resolver_match = None
    links = {link["code"]: link["url"] for link in shop_context(request)["language_links"]}

    assert links == {"fr": translate_url(path, "fr"), "en": translate_url(path, "en")}
    if request.resolver_match is not None:
        assert links["en"].startswith("/en/")
        assert not links["fr"].startswith("/en/")


def _links(rf, path):
    from django.urls import resolve

    from panier.web.context_processors import shop as shop_context

    request = rf.get(path)
    request.resolver_match = resolve(request.path_info)
    return {link["code"]: link["url"] for link in shop_context(request)["language_links"]}


def test_language_links_are_reversed_once_per_process_and_stay_right(rf, shop):
    """The second page with the same match reuses the kept paths; other arguments get their own."""
    from django.urls import translate_url

    from panier.web.context_processors import _reversed_in

    _reversed_in.cache_clear()
    first = _links(rf, f"/{shop.hub.slug}/p/{shop.products[0].slug}/")
    assert _reversed_in.cache_info().misses == 2
    again = _links(rf, f"/{shop.hub.slug}/p/{shop.products[0].slug}/?page=2")
    assert _reversed_in.cache_info().hits == 2
    other = _links(rf, f"/{shop.hub.slug}/p/{shop.products[1].slug}/")
    assert again == {code: url + "?page=2" for code, url in first.items()}
    assert first["en"] == translate_url(f"/{shop.hub.slug}/p/{shop.products[0].slug}/", "en")
    assert other["en"] == translate_url(f"/{shop.hub.slug}/p/{shop.products[1].slug}/", "en")
    assert other["fr"] != first["fr"]


def test_language_links_follow_the_script_prefix(rf, shop):
    """A shop served under a sub-path (SCRIPT_NAME) gets links under it, kept apart from the root's."""
    from django.urls import get_script_prefix, set_script_prefix

    path = f"/{shop.hub.slug}/"
    at_root = _links(rf, path)
    previous = get_script_prefix()
    set_script_prefix("/boutique/")
    try:
        under = _links(rf, path)
    finally:
        set_script_prefix(previous)
    assert under == {code: "/boutique" + url for code, url in at_root.items()}
    assert _links(rf, path) == at_root


def test_a_match_with_an_argument_that_cannot_be_a_key_is_reversed_unkept(rf, shop):
    """A converter may give an unhashable value: the links are still right, just not kept."""
    from django.urls import resolve

    from panier.web.context_processors import _reversed_in
    from panier.web.context_processors import shop as shop_context

    class Slug(str):
        __hash__ = None  # as a converter's own type might be

    path = f"/{shop.hub.slug}/"
    expected = _links(rf, path)
    _reversed_in.cache_clear()
    request = rf.get(path)
    request.resolver_match = resolve(path)
    request.resolver_match.kwargs = {name: Slug(value) for name, value in request.resolver_match.kwargs.items()}
    links = {link["code"]: link["url"] for link in shop_context(request)["language_links"]}
    assert links == expected
    assert _reversed_in.cache_info().currsize == 0
