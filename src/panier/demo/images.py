"""Product pictures drawn with Pillow, so the demo needs no download.

Each picture is a square in the colour of the product's category with a
simple shape and the product's initials: readable at a glance, clearly a
placeholder, and never the same for two products.
"""

from __future__ import annotations

import io
import math
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 480
_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
)
_SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "au", "aux", "à", "et", "d", "l", "en"}


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in _FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def initials(name: str) -> str:
    """Return up to two capital letters for a product name ("Miel de lavande" -> "ML")."""
    words = [w for w in name.replace("'", " ").replace("’", " ").split() if w.lower() not in _SMALL_WORDS]
    letters = "".join(w[0] for w in words[:2] if w[0].isalnum()) or name[:1]
    plain = unicodedata.normalize("NFKD", letters)
    return "".join(c for c in plain if not unicodedata.combining(c)).upper()


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _shape(draw: ImageDraw.ImageDraw, shape: str, fill: tuple[int, int, int]) -> None:
    c = SIZE / 2
    r = SIZE * 0.34
    if shape == "hexagon":
        draw.regular_polygon((c, c, r), 6, fill=fill)
    elif shape == "ellipse":
        draw.ellipse((c - r * 1.2, c - r * 0.75, c + r * 1.2, c + r * 0.75), fill=fill)
    elif shape == "drop":
        draw.ellipse((c - r * 0.8, c - r * 0.4, c + r * 0.8, c + r * 1.1), fill=fill)
        draw.polygon([(c, c - r * 1.1), (c - r * 0.72, c + r * 0.1), (c + r * 0.72, c + r * 0.1)], fill=fill)
    elif shape == "leaf":
        # A lens along the diagonal: two arcs meeting at the tips.
        points = []
        for side in (1, -1):
            for i in range(21):
                t = i / 20 if side == 1 else 1 - i / 20
                along = (t - 0.5) * 2.4 * r
                across = side * math.sin(math.pi * t) * r * 0.6
                points.append((c + (along - across) * 0.7071, c - (along + across) * 0.7071))
        draw.polygon(points, fill=fill)
    elif shape == "bottle":
        draw.rounded_rectangle((c - r * 0.5, c - r * 0.3, c + r * 0.5, c + r * 1.1), radius=r * 0.2, fill=fill)
        draw.rectangle((c - r * 0.18, c - r * 1.1, c + r * 0.18, c - r * 0.2), fill=fill)
    elif shape == "fish":
        draw.ellipse((c - r * 1.1, c - r * 0.55, c + r * 0.7, c + r * 0.55), fill=fill)
        draw.polygon([(c + r * 0.5, c), (c + r * 1.2, c - r * 0.6), (c + r * 1.2, c + r * 0.6)], fill=fill)
    elif shape == "bowl":
        draw.chord((c - r * 1.2, c - r * 1.0, c + r * 1.2, c + r * 1.0), 0, 180, fill=fill)
        draw.rectangle((c - r * 0.4, c + r * 0.95, c + r * 0.4, c + r * 1.1), fill=fill)
    elif shape == "jar":
        draw.rounded_rectangle((c - r * 0.8, c - r * 0.6, c + r * 0.8, c + r * 1.0), radius=r * 0.25, fill=fill)
        draw.rectangle((c - r * 0.6, c - r * 0.95, c + r * 0.6, c - r * 0.6), fill=_mix(fill, (0, 0, 0), 0.2))
    elif shape == "rounded":
        draw.rounded_rectangle((c - r * 1.1, c - r * 0.65, c + r * 1.1, c + r * 0.65), radius=r * 0.4, fill=fill)
    else:
        draw.ellipse((c - r, c - r, c + r, c + r), fill=fill)


def product_picture(*, name: str, colour: str, shape: str, seed: int = 0) -> bytes:
    """Return a PNG picture for a product."""
    base = _rgb(colour)
    img = Image.new("RGB", (SIZE, SIZE), _mix(base, (255, 255, 255), 0.78))
    draw = ImageDraw.Draw(img)
    # A few soft dots, placed from the seed, so that pictures of one
    # category differ.
    for i in range(5):
        angle = (seed * 37 + i * 72) % 360
        x = SIZE / 2 + math.cos(math.radians(angle)) * SIZE * 0.42
        y = SIZE / 2 + math.sin(math.radians(angle)) * SIZE * 0.42
        rad = SIZE * (0.04 + 0.02 * ((seed + i) % 3))
        draw.ellipse((x - rad, y - rad, x + rad, y + rad), fill=_mix(base, (255, 255, 255), 0.55))
    _shape(draw, shape, base)
    text = initials(name)
    font = _font(int(SIZE * 0.2))
    draw.text((SIZE / 2, SIZE / 2 + SIZE * 0.05), text, font=font, fill=(255, 255, 255), anchor="mm",
              stroke_width=3, stroke_fill=_mix(base, (0, 0, 0), 0.35))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()
