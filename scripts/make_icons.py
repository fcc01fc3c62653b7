#!/usr/bin/env python3
"""Draw the site's icons into static/icons/ with Pillow (committed; run again after changing the mark).

    .venv/bin/python scripts/make_icons.py

The mark is a white "F" on the brand blue, on a 64-unit grid: icon.svg says the same in vector form
(browsers that take an SVG favicon use it), the PNGs and favicon.ico are drawn here from the same
rectangles, and og-image.png is the picture WeChat and Weibo show beside a shared link.
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BRAND = (11, 87, 208)
WHITE = (255, 255, 255)
# The F, in units of a 64 × 64 square: (left, top, right, bottom). icon.svg draws the same rectangles.
F_BARS = [(20, 14, 30, 50), (20, 14, 46, 23), (20, 29, 42, 37)]
CORNER = 14


def mark(size: int, rounded: bool = True) -> Image.Image:
    """The mark at `size` px, drawn 4× larger and scaled down for smooth edges."""
    big = size * 4
    unit = big / 64
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0) if rounded else BRAND + (255,))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * unit, fill=BRAND)
    for left, top, right, bottom in F_BARS:
        draw.rectangle((left * unit, top * unit, right * unit - 1, bottom * unit - 1), fill=WHITE)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size in (("icon-192.png", 192), ("icon-512.png", 512)):
        mark(size).save(OUT / name, optimize=True)
    # iOS rounds the corners itself and shows transparency as black: a full square.
    mark(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    mark(48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    share = Image.new("RGB", (1200, 630), BRAND)
    share.paste(mark(360, rounded=False).convert("RGB"), (420, 135))
    share.save(OUT / "og-image.png", optimize=True)


if __name__ == "__main__":
    main()
