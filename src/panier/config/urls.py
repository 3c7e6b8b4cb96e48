"""Root URL configuration.

Shop pages are under i18n_patterns: French at the root, English under
/en/. Pages of one hub start with its slug (/nice/products/). The API,
health checks and the admin are not translated.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from panier.aftersales import urls_operator as aftersales_operator
from panier.api.urls import urlpatterns as api_urlpatterns
from panier.orders import urls_operator as orders_operator
from panier.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("readyz", web_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    *api_urlpatterns,
    # Provider notifications: not translated, no CSRF (signed by the provider).
    path("pay/webhooks/", include("panier.checkout.urls_webhooks")),
]

if settings.PANIER_SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += i18n_patterns(
    # The basket and the checkout first: every request of an order resolves
    # them, and Django tries the patterns in order. No fixed path has
    # "basket/" or "checkout/" as its second segment, so none is shadowed.
    path("<slug:hub_slug>/basket/", include("panier.cart.urls")),
    path("<slug:hub_slug>/checkout/", include("panier.checkout.urls")),
    path("accounts/privacy/", include("panier.privacy.urls")),
    path("accounts/", include("panier.web.urls_accounts")),
    path("producer/", include("panier.orders.urls_producer")),
    path("operator/packing/", include("panier.fulfilment.urls")),
    path("operator/rounds/", include("panier.rounds.urls")),
    path("driver/", include("panier.rounds.urls_driver")),
    path("operator/traffic/", include("panier.traffic.urls")),
    path("operator/backups/", include("panier.web.urls_backups")),
    path("operator/<slug:hub_slug>/payments/", include("panier.checkout.urls_operator")),
    path("operator/<slug:hub_slug>/reviews/", include("panier.reviews.urls_operator")),
    path("producer/<int:producer_id>/reviews/", include("panier.reviews.urls_producer")),
    path("reviews/", include("panier.reviews.urls")),
    path("operator/staff/", include("panier.hubs.urls")),
    path("operator/<slug:hub_slug>/audit/", include("panier.audit.urls")),
    path("operator/<slug:hub_slug>/privacy/", include("panier.privacy.urls_operator")),
    # The order page's money actions live above invoicing (they credit the
    # invoices) but keep the names of the order board's namespace.
    path(
        "operator/",
        include(([*orders_operator.urlpatterns, *aftersales_operator.urlpatterns], orders_operator.app_name)),
    ),
    path("pay/", include("panier.payments.urls")),
    path("orders/", include("panier.orders.urls")),
    path("invoices/", include("panier.invoicing.urls")),
    path("subscriptions/", include("panier.subscriptions.urls")),
    path("", include("panier.web.urls")),
    path("<slug:hub_slug>/legal/", include("panier.web.urls_hub")),
    path("<slug:hub_slug>/reviews/", include("panier.reviews.urls_hub")),
    path("<slug:hub_slug>/", include("panier.catalog.urls")),
    prefix_default_language=False,
)
