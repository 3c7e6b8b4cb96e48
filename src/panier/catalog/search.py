"""Product search.

On PostgreSQL: full-text search with the French dictionary, ranked by
``SearchRank``. Every searched word is a prefix ("from" finds "fromage")
and stems match ("fromages" finds "fromage"). Accents are folded on both
sides with ``translate()``, so "chevre" finds "chèvre" without the
``unaccent`` extension.

On other databases (SQLite): every word of the query must appear, as a
substring, in the accent-free lower-case text of the product's names,
description, producer and category. The text is folded in Python from one
narrow query over the hub's products on sale, so it is always up to date
even for products saved without :func:`product_search_text_refresh`.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import Lower

from panier.catalog.models import Product

#: The longest query taken into account, in characters.
MAX_QUERY_LENGTH = 100
#: At most this many words of a query are used.
MAX_WORDS = 8

# Characters folded by PostgreSQL's translate(): both strings have the same
# length, one accent-free letter for each accented one.
_ACCENTED = "àáâãäåāçćčèéêëēėęìíîïīñńòóôõöøōùúûüūýÿžśšł"
_PLAIN = "aaaaaaaccceeeeeeeiiiiinnooooooouuuuuyyzssl"
assert len(_ACCENTED) == len(_PLAIN)  # noqa: S101 - checks two constants at import

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Return ``text`` in lower case without accents ("Chèvre" -> "chevre")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def query_words(query: str) -> list[str]:
    """Return the accent-free words of a search query, in order, without repeats."""
    words: list[str] = []
    for word in _WORD.findall(fold(query[:MAX_QUERY_LENGTH])):
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def product_search_document(product: Product) -> str:
    """Return the accent-free text a product is found by.

    Reads ``product.producer`` and ``product.category``: select them first.
    """
    parts = [
        product.name,
        product.name_en,
        product.description,
        product.description_en,
        product.producer.name,
        product.category.name,
        product.category.name_en,
    ]
    return " ".join(fold(part) for part in parts if part)


class _Fold(Func):
    """SQL: lower-case and accent-free text (PostgreSQL)."""

    function = "translate"
    output_field = TextField()

    def __init__(self, expression):
        super().__init__(Lower(expression), Value(_ACCENTED), Value(_PLAIN))


def _postgres_search(products: QuerySet[Product], words: list[str]) -> QuerySet[Product]:
    vector = (
        SearchVector(_Fold(F("name")), weight="A", config="french")
        + SearchVector(_Fold(F("name_en")), weight="A", config="french")
        + SearchVector(_Fold(F("producer__name")), weight="B", config="french")
        + SearchVector(_Fold(F("category__name")), weight="B", config="french")
        + SearchVector(_Fold(F("category__name_en")), weight="B", config="french")
        + SearchVector(_Fold(F("description")), weight="C", config="french")
        + SearchVector(_Fold(F("description_en")), weight="C", config="french")
    )
    # Words are \w+ only, so the raw tsquery cannot be malformed; ":*" turns
    # each stemmed word into a prefix.
    query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="french")
    return (
        products.annotate(search=vector, rank=SearchRank(vector, query))
        .filter(search=query)
        .order_by("-rank", "name", "pk")
    )


def _fallback_search(products: QuerySet[Product], words: list[str]) -> QuerySet[Product]:
    rows = products.values_list(
        "pk",
        "name",
        "name_en",
        "description",
        "description_en",
        "producer__name",
        "category__name",
        "category__name_en",
    )
    matches = []
    for pk, *texts in rows:
        document = " ".join(fold(text) for text in texts if text)
        if all(word in document for word in words):
            matches.append(pk)
    return products.filter(pk__in=matches).order_by("name", "pk")


def product_search(products: QuerySet[Product], query: str) -> QuerySet[Product]:
    """Return the products of ``products`` that match ``query``, best first.

    An empty query (or one without any word) matches nothing.
    """
    words = query_words(query)
    if not words:
        return products.none()
    if connections[products.db].vendor == "postgresql":
        return _postgres_search(products, words)
    return _fallback_search(products, words)
