"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def shop(request: HttpRequest) -> dict:
    """The current hub, and links to this page in each language.

    Plain links (the language is in the URL) rather than a POST form keep
    pages free of CSRF cookies, so anonymous catalog pages can be cached.
    """
    current = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    names = {"fr": "Français", "en": "English"}
    links = [
        {"code": code, "name": names.get(code, code), "url": translate_url(path, code), "current": code == current}
        for code, _ in settings.LANGUAGES
    ]
    return {"current_hub": getattr(request, "hub", None), "language_links": links}
