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
