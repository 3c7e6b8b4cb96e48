"""Template context shared by every page."""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language, override


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
    with override(code):
        try:
            translated = reverse(name, args=match.args, kwargs=match.kwargs)
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
