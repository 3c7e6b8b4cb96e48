from panier.traffic.models import TrafficSettings
from panier.traffic.policy import admission_mode
from tests import factories


def test_operator_sees_live_figures_and_can_force_the_waiting_room(client, db):
    """Staff see the figures and switch the waiting room; the switch applies at once."""
    staff = factories.user(is_staff=True)
    factories.login_staff(client, staff)

    page = client.get("/operator/traffic/")
    switched = client.post("/operator/traffic/", {"mode": "on"})

    assert page.status_code == 200
    assert "rate_limited" in page.content.decode()
    assert switched.status_code == 302
    assert TrafficSettings.objects.get().admission_mode == "on"
    assert admission_mode() == "on"


def test_unknown_mode_is_refused_with_a_message(client, db):
    """A tampered mode changes nothing."""
    factories.login_staff(client, factories.user(is_staff=True))

    client.post("/operator/traffic/", {"mode": "everything"})

    assert not TrafficSettings.objects.exists()


def test_customers_cannot_see_the_board(client, db):
    """Non-staff users get a 404: the page does not exist for them."""
    client.force_login(factories.user())

    assert client.get("/operator/traffic/").status_code == 404


def test_traffic_command_sets_geo_policy_and_waiting_room(db):
    """Operators can set a country rule and switch the waiting room from the command line."""
    from io import StringIO

    import pytest
    from django.core.management import CommandError, call_command

    from panier.traffic.models import HubGeoPolicy

    hub = factories.hub()
    out = StringIO()

    call_command("traffic", "geo", "--hub", hub.slug, "--country", "us", "--action", "interstitial",
                 "--other-site-url", "https://example.com/", stdout=out)
    call_command("traffic", "waiting-room", "off", stdout=out)
    call_command("traffic", "status", stdout=out)

    policy = HubGeoPolicy.objects.get(hub=hub)
    assert policy.rules.get().country == "US"
    assert policy.other_site_url == "https://example.com/"
    assert TrafficSettings.objects.get().admission_mode == "off"
    assert f"geo {hub.slug}" in out.getvalue()
    with pytest.raises(CommandError, match="no hub"):
        call_command("traffic", "geo", "--hub", "nowhere", "--clear")
    with pytest.raises(CommandError, match="two-letter"):
        call_command("traffic", "geo", "--hub", hub.slug, "--country", "USA", "--action", "refuse")
