"""The rounds map: projection both ways, optional tiles, click-to-pin."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from panier.rounds.maps import Projection, map_tiles
from tests import factories

pytestmark = pytest.mark.usefixtures("english")
PROJ = Projection(k=0.7224, x0=5.2, y0=43.75, span=0.08, pad=20, scale=440)


@given(lat=st.floats(43.67, 43.75), lon=st.floats(7.2, 7.31))
def test_a_clicked_point_gives_back_its_coordinates(lat, lon):
    """Unprojecting a drawn point gives its coordinates to within the 0.1-unit rounding (about 2 m)."""
    x, y = PROJ.project(lat, lon)
    back = PROJ.unproject(x, y)
    assert back[0] == pytest.approx(lat, abs=3e-5)
    assert back[1] == pytest.approx(lon, abs=3e-5)


def test_tiles_cover_the_drawn_area():
    """Tiles come from the URL template and together cover the whole box."""
    proj = Projection(k=0.7224, x0=7.2 * 0.7224, y0=43.74, span=0.05, pad=20, scale=440)
    tiles = map_tiles(proj, url="http://tiles.test/{z}/{x}/{y}.png", size=480)

    assert 1 <= len(tiles) <= 36
    assert all(t.href.startswith("http://tiles.test/") and t.href.endswith(".png") for t in tiles)
    assert min(t.x for t in tiles) <= 0
    assert min(t.y for t in tiles) <= 0
    assert max(t.x + t.width for t in tiles) >= 480
    assert max(t.y + t.height for t in tiles) >= 480


def test_an_order_without_coordinates_can_be_pinned_on_the_map(client, routed, day, settings):
    """The page carries the projection and a "Place on the map" button beside the typed-coordinates form,
    and draws tiles only when a tile URL is set."""
    hub = routed.hub
    order = routed.extra["orders"][0]
    order.latitude = order.longitude = None
    order.save()
    factories.login_staff(client, routed.operator)
    client.post(reverse("rounds:plan", kwargs={"hub_slug": hub.slug}), {"day": day.isoformat()})
    url = reverse("rounds:day", kwargs={"hub_slug": hub.slug}) + f"?day={day.isoformat()}"

    html = client.get(url).content.decode()
    settings.PANIER_MAP_TILE_URL = "http://tiles.test/{z}/{x}/{y}.png"
    tiled = client.get(url).content.decode()

    assert 'data-span="' in html
    assert 'class="secondary js-pin"' in html
    assert f'id="pin-{order.number}"' in html
    assert "<image" not in html
    assert '<image href="http://tiles.test/' in tiled
    span = float(html.split('data-span="', 1)[1].split('"', 1)[0])
    assert span >= 0.02
