"""Illustrated portraits for the demo tutors, drawn with Pillow at seed time (no internet, no binary
files in the repository): a flat head-and-shoulders figure on a soft coloured background, with skin,
hair style and colour, clothes, neckline and glasses varied per tutor from a fixed seed, so the same
database always gets the same faces. The PNG goes through the real upload path
(services/tutors/photos.set_own_photo: sniffed, decoded, cropped and re-encoded as WebP).

Shapes are drawn at twice the final size and scaled down, which smooths their edges (Pillow's
ImageDraw does not anti-alias).
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

SIDE = 400  # what is uploaded (the service keeps 400 and 96 px squares)
_S = SIDE * 2  # drawing scale

BACKGROUNDS = [
    (214, 228, 247),  # sky
    (212, 239, 227),  # mint
    (251, 228, 212),  # peach
    (231, 222, 246),  # lavender
    (246, 236, 208),  # sand
    (248, 218, 226),  # rose
    (210, 236, 240),  # aqua
    (226, 234, 212),  # sage
]
SKIN = [(255, 224, 196), (241, 194, 158), (224, 172, 130), (198, 134, 94), (160, 102, 66), (116, 72, 48)]
HAIR = [(44, 34, 30), (72, 50, 38), (110, 74, 46), (170, 120, 72), (214, 178, 112), (150, 62, 42), (120, 120, 126)]
CLOTHES = [
    (62, 99, 221),  # indigo
    (30, 130, 110),  # teal
    (214, 96, 72),  # coral
    (52, 60, 78),  # charcoal
    (140, 84, 170),  # plum
    (222, 164, 52),  # mustard
    (236, 240, 244),  # white shirt
    (98, 140, 70),  # olive
]
LONG_STYLES = ("long", "bob", "bun", "curly")
SHORT_STYLES = ("short", "quiff", "curly", "buzz")


def _p(*values: float) -> list[float]:
    """Fractions of the drawing side → pixels."""
    return [v * _S for v in values]


def _shade(color: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    r, g, b = color
    return (int(r * factor), int(g * factor), int(b * factor))


def _hair_back(draw: ImageDraw.ImageDraw, style: str, hair: tuple[int, int, int]) -> None:
    """Hair that falls behind the head and neck (drawn first)."""
    if style == "long":
        draw.rounded_rectangle(_p(0.285, 0.2, 0.715, 0.8), radius=0.2 * _S, fill=hair)
    elif style == "bob":
        draw.rounded_rectangle(_p(0.295, 0.2, 0.705, 0.62), radius=0.16 * _S, fill=hair)
    elif style == "bun":
        draw.ellipse(_p(0.42, 0.08, 0.58, 0.24), fill=hair)


def _hair_top(draw: ImageDraw.ImageDraw, style: str, hair: tuple[int, int, int], rng: random.Random) -> None:
    """Hair over the top of the head (drawn after the face)."""
    if style == "curly":
        for _ in range(26):
            x, y = rng.uniform(0.33, 0.67), rng.uniform(0.17, 0.3)
            r = rng.uniform(0.045, 0.065)
            draw.ellipse(_p(x - r, y - r, x + r, y + r), fill=hair)
        draw.ellipse(_p(0.315, 0.18, 0.685, 0.5), fill=hair)
        return
    if style == "buzz":
        draw.ellipse(_p(0.325, 0.2, 0.675, 0.5), fill=hair)
        return
    draw.ellipse(_p(0.31, 0.165, 0.69, 0.52), fill=hair)
    if style == "quiff":
        draw.ellipse(_p(0.4, 0.15, 0.66, 0.28), fill=hair)
    elif style in ("long", "bob"):
        draw.rectangle(_p(0.31, 0.34, 0.35, 0.56), fill=hair)  # hair over the ears
        draw.rectangle(_p(0.65, 0.34, 0.69, 0.56), fill=hair)


def _figure(draw: ImageDraw.ImageDraw, skin: tuple[int, int, int], clothes: tuple[int, int, int], v_neck: bool) -> None:
    shadow = _shade(skin, 0.88)
    draw.ellipse(_p(0.14, 0.7, 0.86, 1.32), fill=clothes)  # shoulders
    draw.rounded_rectangle(_p(0.435, 0.5, 0.565, 0.76), radius=0.05 * _S, fill=shadow)  # neck
    if v_neck:
        draw.polygon(_p(0.41, 0.72, 0.59, 0.72, 0.5, 0.84), fill=shadow)
    else:
        draw.chord(_p(0.41, 0.66, 0.59, 0.8), 0, 180, fill=shadow)
    collar = _shade(clothes, 0.82) if sum(clothes) < 600 else (205, 212, 220)
    draw.line(_p(0.4, 0.72, 0.5, 0.84 if v_neck else 0.8, 0.6, 0.72), fill=collar, width=int(0.012 * _S), joint="curve")


def _head(draw: ImageDraw.ImageDraw, skin: tuple[int, int, int]) -> None:
    draw.ellipse(_p(0.305, 0.36, 0.355, 0.45), fill=_shade(skin, 0.93))  # ears
    draw.ellipse(_p(0.645, 0.36, 0.695, 0.45), fill=_shade(skin, 0.93))
    draw.ellipse(_p(0.33, 0.2, 0.67, 0.6), fill=skin)


def _face(draw: ImageDraw.ImageDraw, skin: tuple[int, int, int], glasses: bool, hairline: float) -> None:
    """The face over the hair: its top edge is an arched hairline; then eyes, cheeks, a smile."""
    ink = (52, 40, 38)
    draw.ellipse(_p(0.35, hairline, 0.65, 0.6), fill=skin)
    blush = (min(255, skin[0] + 10), int(skin[1] * 0.86), int(skin[2] * 0.86))
    draw.ellipse(_p(0.37, 0.46, 0.42, 0.5), fill=blush)
    draw.ellipse(_p(0.58, 0.46, 0.63, 0.5), fill=blush)
    draw.ellipse(_p(0.423, 0.415, 0.447, 0.445), fill=ink)  # eyes
    draw.ellipse(_p(0.553, 0.415, 0.577, 0.445), fill=ink)
    draw.arc(_p(0.45, 0.46, 0.55, 0.53), 20, 160, fill=ink, width=int(0.01 * _S))  # smile
    if glasses:
        frame = (40, 40, 48)
        w = int(0.008 * _S)
        draw.ellipse(_p(0.39, 0.39, 0.48, 0.47), outline=frame, width=w)
        draw.ellipse(_p(0.52, 0.39, 0.61, 0.47), outline=frame, width=w)
        draw.line(_p(0.48, 0.425, 0.52, 0.425), fill=frame, width=w)


def portrait_png(seed: int, *, long_hair: bool) -> bytes:
    """A 400×400 PNG portrait, the same for the same seed."""
    rng = random.Random(seed)
    background = rng.choice(BACKGROUNDS)
    skin, hair, clothes = rng.choice(SKIN), rng.choice(HAIR), rng.choice(CLOTHES)
    style = rng.choice(LONG_STYLES if long_hair else SHORT_STYLES)
    img = Image.new("RGB", (_S, _S), background)
    draw = ImageDraw.Draw(img)
    draw.ellipse(_p(0.1, 0.06, 0.9, 0.86), fill=tuple(min(255, c + 12) for c in background))  # soft halo
    _hair_back(draw, style, hair)
    _figure(draw, skin, clothes, v_neck=rng.random() < 0.5)
    _head(draw, skin)
    _hair_top(draw, style, hair, rng)
    _face(draw, skin, glasses=rng.random() < 0.25, hairline=0.3 if style != "buzz" else 0.27)
    out = io.BytesIO()
    img.reduce(_S // SIDE).save(out, format="PNG", compress_level=0)  # only read back by the upload path
    return out.getvalue()
