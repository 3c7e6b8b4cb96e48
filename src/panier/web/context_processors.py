"""Template context shared by every page."""

from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse, translate_url
from django.utils.translation import get_language, override


@lru_cache(maxsize=4096)
def _reversed_in(code: str, urlconf: str | None, script_prefix: str, name: str, args: tuple, kwargs: tuple) -> str:
    """``reverse`` in language ``code``, kept per process.

    The URL patterns do not change while a process runs, so the same name,
    arguments, language, URL configuration and script prefix always give
    the same path; activating a language to reverse it is most of the
    links' cost. ``script_prefix`` is the current one: it is only part of
    the key. Raises NoReverseMatch (not kept).
    """
    with override(code):
        return reverse(name, urlconf=urlconf, args=args, kwargs=dict(kwargs))


def _translated(request: HttpRequest, path: str, code: str) -> str:
    """``translate_url(path, code)``, reusing the match Django made for this request.

    ``translate_url`` resolves the path again before reversing it in the
    other language; every shop page renders these links, and the request
    already carries its match. Without one (an error page, a response from
    a middleware) it falls back to ``translate_url``.
    """
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name is None:
        return translate_url(path, code)
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    parsed = urlsplit(path)
    key = (code, get_urlconf(), get_script_prefix(), name, tuple(match.args), tuple(sorted(match.kwargs.items())))
    try:
        try:
            translated = _reversed_in(*key)
        except TypeError:
            # An argument that cannot be a key: reversed without keeping it.
            translated = _reversed_in.__wrapped__(*key)
    except NoReverseMatch:
        return path
    return urlunsplit((parsed.scheme, parsed.netloc, translated, parsed.query, parsed.fragment))


def shop(request: HttpRequest) -> dict:
    """The current hub, and links to this page in each language.

    Plain links (the language is in the URL) rather than a POST form keep
    pages free of CSRF cookies, so anonymous catalog pages can be cached.
    """
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    names = {"fr": "Français", "en": "English"}
    links = [
        {"code": code, "name": names.get(code, code), "url": _translated(request, path, code), "current": code == current}
        for code, _ in settings.LANGUAGES
    ]
    return {"current_hub": getattr(request, "hub", None), "language_links": links}
