from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "panier.web"
    label = "web"

    def ready(self) -> None:
        # The page cache (panier.traffic) imports no shop domain: it is
        # given the basket count of a guest's cached page from here.
        from panier.traffic import pagecache
        from panier.web.guest_pages import basket_count_text

        pagecache.guest_basket_count = basket_count_text
