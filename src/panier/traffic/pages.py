"""The tiny pages served under load: no template engine, no database.

They are bilingual (French first) because the language of a new visitor
is not known yet, and each weighs a few KB.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1f2a1f}"
    "h1{font-size:1.4rem;color:#2f6b3a}.en{color:#5b665b}a{color:#2f6b3a}"
)
# The Content-Security-Policy source that allows exactly this inline style
# block, so no 'unsafe-inline' is needed for these pages.
STYLE_CSP_SOURCE = f"'sha256-{base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()}'"


def _page(title: str, body: str, *, refresh_s: int | None = None) -> str:
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"{refresh}<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def waiting_page(*, position: int, eta_s: int, refresh_s: int) -> str:
    minutes = max(1, round(eta_s / 60)) if eta_s else 0
    wait_fr = f"environ {minutes} min" if minutes else "quelques secondes"
    wait_en = f"about {minutes} min" if minutes else "a few seconds"
    body = (
        "<h1>Vous êtes dans la file d'attente</h1>"
        "<p>La boutique accueille beaucoup de visiteurs en ce moment. Votre place est réservée : "
        f"<strong>{position}</strong> personne(s) avant vous, attente estimée {wait_fr}. "
        "Cette page se recharge toute seule.</p>"
        '<p class="en" lang="en">You are in the queue. The shop is very busy right now. '
        f"Your place is kept: {position} visitor(s) ahead of you, estimated wait {wait_en}. "
        "This page reloads by itself.</p>"
    )
    return _page("File d'attente – Queue", body, refresh_s=refresh_s)


def interstitial_page(*, hub_name: str, delivery_area: str, other_label: str, other_url: str, continue_url: str) -> str:
    other = ""
    if other_url:
        label = escape(other_label or other_url)
        other = (
            f'<p>Vous cherchez peut-être <a href="{escape(other_url)}">{label}</a>.</p>'
            f'<p class="en" lang="en">You may be looking for <a href="{escape(other_url)}">{label}</a>.</p>'
        )
    area = escape(delivery_area or hub_name)
    body = (
        f"<h1>{escape(hub_name)}</h1>{other}"
        f"<p>{escape(hub_name)} est une boutique locale : nous livrons uniquement {area}.</p>"
        f'<p class="en" lang="en">{escape(hub_name)} is a local shop: we only deliver around {area}.</p>'
        f'<p><a href="{escape(continue_url)}">Continuer vers la boutique – Continue to the shop</a></p>'
    )
    return _page(hub_name, body)


def refused_page(*, hub_name: str, delivery_area: str) -> str:
    area = escape(delivery_area or hub_name)
    body = (
        f"<h1>{escape(hub_name)}</h1>"
        f"<p>Cette boutique locale livre uniquement {area} et n'est pas accessible depuis votre pays.</p>"
        f'<p class="en" lang="en">This local shop only delivers around {area} and is not available from your country.</p>'
    )
    return _page(hub_name, body)


def busy_page() -> str:
    body = (
        "<h1>Un instant…</h1><p>Le serveur est très sollicité. Réessayez dans quelques secondes.</p>"
        '<p class="en" lang="en">The server is very busy. Please try again in a few seconds.</p>'
    )
    return _page("Un instant – One moment", body, refresh_s=5)


def too_many_page(retry_after: int) -> str:
    body = (
        f"<h1>Trop de requêtes</h1><p>Merci de patienter {retry_after} s avant de réessayer.</p>"
        f'<p class="en" lang="en">Too many requests. Please wait {retry_after} s before trying again.</p>'
    )
    return _page("Trop de requêtes – Too many requests", body)
