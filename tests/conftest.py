import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from panier.core.templatetags import fragments
from panier.traffic.counters import LocalCounters, counters_reset
from panier.traffic.pagecache import local_pages_forget
from panier.traffic.policy import policy_cache_clear


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests when the suite runs on another database."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploads go to a temporary folder; static files need no collected manifest."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # A request to an /en/ page leaves English active in the thread; each
    # test starts in the default language so reverse() gives French URLs.
    translation.activate(settings.LANGUAGE_CODE)
    # Rate-limit and waiting-room counters live in the process: each test
    # starts with fresh ones.
    counters_reset(LocalCounters())
    # Log-in throttling counts failures in the cache.
    cache.clear()
    local_pages_forget()
    policy_cache_clear()
    # Parts of pages kept in the process are keyed by hub ids, which the
    # next test's database gives out again.
    fragments.forget()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def shop(db):
    """A hub with two producers, products in stock, a zone, a pickup point and slots."""
    from tests import factories

    return factories.make_shop()


@pytest.fixture
def english(client, settings):
    """Run a test in English: reverse() gives /en/ URLs, pages outside the
    language prefix are asked for in English, and messages read in English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
