"""Uploaded pictures: checked, then re-encoded before they are stored.

Every upload path (product photos, proof-of-delivery photos, and any new
one) passes the file through :func:`image_sanitise`. Re-encoding keeps the
pixels only: EXIF (GPS position, camera serial), comments, text chunks,
colour profiles and any bytes appended after the picture (a ZIP or an HTML
page glued to a JPEG, a "polyglot") are dropped, and the stored name is a
fresh random one with the extension of the real format.
"""

from __future__ import annotations

import io
import uuid
import warnings
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from panier.core.errors import InvalidInput

if TYPE_CHECKING:
    from PIL import Image

# Formats accepted, and the extension of the re-encoded file.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class ImageInvalid(InvalidInput):
    code = "image_invalid"
    default_message = _("This file is not a JPEG, PNG or WebP picture.")


class ImageTooLarge(InvalidInput):
    code = "image_too_large"
    default_message = _("This picture is too large.")


class SanitisedImage(ContentFile):
    """A picture already re-encoded by :func:`image_sanitise`."""

    def __init__(self, content: bytes, *, name: str, width: int, height: int, image_format: str):
        super().__init__(content, name=name)
        self.width = width
        self.height = height
        self.image_format = image_format


def _limits(max_bytes: int | None, max_pixels: int | None) -> tuple[int, int]:
    return (
        max_bytes or settings.PANIER_UPLOAD_MAX_BYTES,
        max_pixels or settings.PANIER_UPLOAD_MAX_PIXELS,
    )


def _read(upload, max_bytes: int) -> bytes:
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise ImageTooLarge(
            _("The picture is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024) or 1}
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(data) > max_bytes:
        raise ImageTooLarge(
            _("The picture is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024) or 1}
        )
    return data


def _pixels_only(img: Image.Image, image_format: str) -> Image.Image:
    """Return a copy holding the first frame's pixels, upright, in a mode the
    output format can store."""
    from PIL import Image, ImageOps

    img.seek(0)
    img = ImageOps.exif_transpose(img) or img
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if image_format == "JPEG":
        mode = "L" if img.mode in ("1", "L") else "RGB"
    elif image_format == "PNG" and img.mode in ("1", "L", "RGB", "RGBA", "LA"):
        mode = img.mode
    else:
        mode = "RGBA" if has_alpha else "RGB"
    if img.mode != mode:
        img = img.convert(mode)
    # A new image made from the raw pixels carries no metadata at all.
    clean = Image.new(mode, img.size)
    clean.paste(img)
    return clean


def image_sanitise(upload, *, max_bytes: int | None = None, max_pixels: int | None = None) -> SanitisedImage:
    """Check an uploaded picture and return a re-encoded copy to store.

    The file must be a real JPEG, PNG or WebP picture of at most
    ``max_bytes`` (default ``PANIER_UPLOAD_MAX_BYTES``) and ``max_pixels``
    (default ``PANIER_UPLOAD_MAX_PIXELS``). The pixel count is read from
    the header before anything is decoded, so a small file that would
    expand to gigabytes (a decompression bomb) is refused without being
    decoded. A file already sanitised is returned as it is.

    Raises :class:`ImageTooLarge` or :class:`ImageInvalid`. No side effect:
    the caller stores the result.
    """
    if isinstance(upload, SanitisedImage):
        return upload
    # Pillow is loaded on the first upload only: serving pages never needs it.
    from PIL import Image

    max_bytes, max_pixels = _limits(max_bytes, max_pixels)
    data = _read(upload, max_bytes)
    too_many_pixels = ImageTooLarge(_("The picture has too many pixels (%(mp)s megapixels at most).")
                                    % {"mp": max_pixels // 1_000_000 or 1})
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=tuple(FORMATS)) as img:
                image_format = img.format or ""
                width, height = img.size
                if width < 1 or height < 1 or width * height > max_pixels:
                    raise too_many_pixels
                img.load()
                clean = _pixels_only(img, image_format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (OSError, SyntaxError, ValueError, EOFError, Image.UnidentifiedImageError):
        # Pillow reports truncated or malformed files with these types.
        raise ImageInvalid() from None
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, "JPEG", quality=88, optimize=True)
    elif image_format == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=88)
    return SanitisedImage(
        out.getvalue(),
        name=f"{uuid.uuid4().hex}.{FORMATS[image_format]}",
        width=clean.width,
        height=clean.height,
        image_format=image_format,
    )


class SanitisedImageField(forms.ImageField):
    """A form field whose cleaned value is the re-encoded picture.

    Use it in every form that accepts a picture, the admin's included
    (``formfield_overrides``), so nothing reaches storage unchecked.
    """

    def __init__(self, *, max_bytes: int | None = None, max_pixels: int | None = None, **kwargs):
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        super().__init__(**kwargs)

    def to_python(self, data):
        if data in self.empty_values:
            return None
        try:
            return image_sanitise(data, max_bytes=self.max_bytes, max_pixels=self.max_pixels)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
