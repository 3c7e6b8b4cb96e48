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
