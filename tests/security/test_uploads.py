"""Uploaded pictures are checked and re-encoded on every upload path."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from panier.catalog.models import ProductImage
from panier.core.images import ImageInvalid, ImageTooLarge, image_sanitise
from tests import factories

GPS_IFD = 0x8825
POLYGLOT_TAIL = b"PK\x03\x04" + b"<script>alert(document.cookie)</script>" * 4


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90° clockwise
    exif[GPS_IFD] = {1: "N", 2: (43.0, 42.0, 7.2), 3: "E", 4: (7.0, 15.0, 45.1)}
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes(), comment=b"secret note")
    return out.getvalue()


def _png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of all-black pixels; huge sizes compress to a few KB."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_exif_and_gps_are_removed_and_orientation_applied():
    """A phone photo loses its EXIF block (GPS, maker, comment) and keeps its
    upright orientation in the pixels."""
    original = _jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    clean = image_sanitise(_upload(original))

    data = clean.read()
    reopened = Image.open(io.BytesIO(data))
    assert reopened.format == "JPEG"
    assert dict(reopened.getexif()) == {}
    assert b"Exif" not in data
    assert b"PhoneMaker" not in data
    assert b"secret note" not in data
    assert reopened.size == (20, 40)
    assert clean.name.endswith(".jpg")
    assert clean.name != "photo.jpg"


def test_polyglot_tail_is_dropped():
    """Bytes glued after a real picture (an archive, a script) are not stored."""
    png = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 128, 0, 128)).save(png, "PNG")

    clean = image_sanitise(_upload(png.getvalue() + POLYGLOT_TAIL, "x.png", "image/png"))

    data = clean.read()
    assert b"PK\x03\x04" not in data
    assert b"<script>" not in data
    assert data.endswith(b"IEND\xaeB`\x82")
    assert Image.open(io.BytesIO(data)).getpixel((3, 3)) == (0, 128, 0, 128)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "page.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.png"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif"),
        (_png(4, 4)[:40], "truncated.png"),
    ],
)
def test_non_pictures_and_other_formats_are_refused(data, name):
    """HTML, SVG, GIF and truncated files are refused with a stable code."""

    with pytest.raises(ImageInvalid) as refused:
        image_sanitise(_upload(data, name))

    assert refused.value.code == "image_invalid"


def test_decompression_bomb_is_refused_before_decoding():
    """A 20,000 × 20,000 PNG of a few KB (400 megapixels) is refused."""
    bomb = _png(20_000, 20_000)
    assert len(bomb) < 200_000

    with pytest.raises(ImageTooLarge) as refused:
        image_sanitise(_upload(bomb, "bomb.png", "image/png"))

    assert refused.value.code == "image_too_large"
    assert "mégapixels" in refused.value.message


def test_pixel_and_byte_limits_are_settings(settings):
    """Below Pillow's own limit, the configured pixel and size limits apply."""
    settings.PANIER_UPLOAD_MAX_PIXELS = 1_000_000
    wide = _png(2_000, 1_000)

    with pytest.raises(ImageTooLarge):
        image_sanitise(_upload(wide, "wide.png", "image/png"))
    with pytest.raises(ImageTooLarge):
        image_sanitise(_upload(wide, "wide.png", "image/png"), max_bytes=len(wide) - 1)
    assert image_sanitise(_upload(wide, "wide.png", "image/png"), max_pixels=2_000_000).width == 2_000


@pytest.fixture
def producer_client(client, shop):
    factories.login_staff(client, shop.producer_user)
    return client


def test_product_photo_upload_stores_the_clean_copy(producer_client, shop):
    """The producer's photo form stores the re-encoded picture, not the upload."""
    product = shop.products[0]
    target = reverse("producer:photo_add", kwargs={"producer_id": shop.producers[0].pk, "product_id": product.pk})

    response = producer_client.post(target, {"image": _upload(_jpeg_with_gps() + POLYGLOT_TAIL), "alt": "x"})
    bomb = producer_client.post(target, {"image": _upload(_png(20_000, 20_000), "b.png", "image/png")})

    assert response.status_code == 302
    stored = ProductImage.objects.get(product=product).image.read()
    assert b"Exif" not in stored
    assert b"<script>" not in stored
    assert bomb.status_code == 400
    assert bomb.context["photo_form"].errors["image"]
    assert ProductImage.objects.filter(product=product).count() == 1


def test_admin_photo_upload_is_re_encoded(client, shop):
    """A picture added through the admin is sanitised too."""
    factories.login_staff(client, factories.user(is_staff=True, is_superuser=True))
    product = shop.products[1]

    response = client.post(
        "/admin/catalog/productimage/add/",
        {"product": product.pk, "image": _upload(_jpeg_with_gps()), "alt": "", "position": 1},
    )
    refused = client.post(
        "/admin/catalog/productimage/add/",
        {"product": product.pk, "image": _upload(b"<html></html>", "x.jpg"), "alt": "", "position": 2},
    )

    assert response.status_code == 302
    assert b"Exif" not in ProductImage.objects.get(product=product).image.read()
    assert refused.status_code == 200
    assert "image" in refused.context["adminform"].form.errors
