"""Newsletter consent with double opt-in, and RFC 8058 one-click unsubscribe."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from panier.privacy.models import MarketingConsent
from panier.privacy.services import consent_confirm, consent_request, newsletter_send
from tests import factories

pytestmark = pytest.mark.usefixtures("english")


def test_double_opt_in_records_the_consent_and_its_proof(client, shop, django_capture_on_commit_callbacks):
    """Subscribing sends a link; only following it confirms, with time, source and text version."""
    user = factories.user()
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:newsletter"), {"hub": shop.hub.pk, "agree": "on"})

    consent = MarketingConsent.objects.get(hub=shop.hub, email=user.email)
    assert response.status_code == 302
    assert (consent.status, consent.source, consent.text_version) == ("pending", "account", "2026-11")
    assert shop.hub.name in consent.text
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", mail.outbox[0].body).group(0)
    assert str(consent.confirm_token) in link

    page = client.get(urlsplit(link).path)

    consent.refresh_from_db()
    assert page.status_code == 200
    assert consent.status == "confirmed"
    assert consent.confirmed_at is not None


def test_subscribing_without_agreeing_is_refused(client, shop):
    """The box must be ticked: 400 and no consent."""
    client.force_login(factories.user())

    response = client.post(reverse("privacy:newsletter"), {"hub": shop.hub.pk})

    assert response.status_code == 400
    assert not MarketingConsent.objects.exists()


def test_newsletter_carries_one_click_unsubscribe_headers(shop, settings):
    """Only confirmed consents receive it, each with an https List-Unsubscribe and its POST header."""
    settings.PANIER_SITE_URL = "https://shop.example.org"
    confirmed = consent_request(hub=shop.hub, email="bob@example.org", source="checkout")
    consent_confirm(token=str(confirmed.confirm_token))
    consent_request(hub=shop.hub, email="carol@example.org", source="checkout")
    mail.outbox.clear()

    sent = newsletter_send(hub=shop.hub, subject="Les fraises sont là", body="Bonjour")

    assert sent == 1
    message = mail.outbox[0]
    url = f"https://shop.example.org/accounts/privacy/unsubscribe/{confirmed.unsubscribe_token}/"
    assert message.to == ["bob@example.org"]
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body


def test_one_click_post_unsubscribes_without_login_or_csrf(shop):
    """A mail client's POST unsubscribes; a GET only shows a button; an unknown token is 404."""
    consent = consent_request(hub=shop.hub, email="bob@example.org", source="checkout")
    consent_confirm(token=str(consent.confirm_token))
    client = Client(enforce_csrf_checks=True)
    url = reverse("privacy:unsubscribe", kwargs={"token": consent.unsubscribe_token})

    shown = client.get(url)
    consent.refresh_from_db()
    assert shown.status_code == 200
    assert consent.status == "confirmed"

    done = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    again = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    consent.refresh_from_db()
    assert (done.status_code, again.status_code) == (200, 200)
    assert consent.status == "withdrawn"
    assert consent.withdrawn_at is not None
    unknown = reverse("privacy:unsubscribe", kwargs={"token": "00000000-0000-0000-0000-000000000000"})
    assert client.post(unknown).status_code == 404


def test_newsletter_command_sends_to_confirmed_subscribers(shop, tmp_path):
    """`panier privacy newsletter` sends the file's text; an unknown hub is an error."""
    consent = consent_request(hub=shop.hub, email="bob@example.org", source="footer")
    consent_confirm(token=str(consent.confirm_token))
    body = tmp_path / "body.txt"
    body.write_text("Les fraises sont là.", encoding="utf-8")
    mail.outbox.clear()

    call_command("privacy", "newsletter", "--hub", shop.hub.slug, "--subject", "Fraises", "--body-file", str(body),
                 stdout=(out := io.StringIO()))

    assert out.getvalue().strip() == "1 newsletter(s) sent"
    assert "Les fraises sont là." in mail.outbox[0].body
    with pytest.raises(CommandError, match="no hub"):
        call_command("privacy", "newsletter", "--hub", "nope", "--subject", "x", "--body-file", str(body))
