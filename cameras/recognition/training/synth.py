"""Synthetic licence plates rendered from local fonts, with camera-like augmentation.

Layouts: single-row US plates (5-8 characters, state name above, slogan below, optional
stacked two-row plates), EU plates (blue band on the left, 5-9 characters, optional hyphen or
space groups) and plain black-on-white / white-on-dark variants.  Augmentation: perspective,
rotation, blur, motion blur, glare, night/IR (low contrast, grey, inverted polarity), dirt,
low resolution, JPEG, noise, frame and sticker clutter.  Everything is driven by one
``random.Random`` / ``numpy`` generator so a seed reproduces the data.
"""

from __future__ import annotations

import glob
import random
import string

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Stacked two-row plates: off, because the CTC recogniser reads one row of columns (its
# frames cannot order a top row before a bottom row); the render code is kept for a
# two-row-capable model.
TWO_ROW_SHARE = 0.0
LETTERS = string.ascii_uppercase
DIGITS = string.digits
FONT_GLOBS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed-Bold.ttf",
)
STATE_WORDS = (
    "CALIFORNIA TEXAS FLORIDA NEW YORK OHIO ILLINOIS WASHINGTON OREGON ARIZONA NEVADA UTAH "
    "COLORADO GEORGIA VIRGINIA MARYLAND MICHIGAN INDIANA KANSAS ALASKA HAWAII MAINE IDAHO IOWA "
    "MONTANA NEBRASKA VERMONT WYOMING KENTUCKY ALABAMA DELAWARE MISSOURI OKLAHOMA"
).split()
SLOGANS = (
    "dmv.ca.gov",
    "Sunshine State",
    "Land of Lincoln",
    "Live Free or Die",
    "Evergreen State",
    "Empire State",
    "The Lone Star State",
    "Great Lakes",
    "Grand Canyon State",
    "Wild Wonderful",
)
US_PATTERNS = (
    "DLLLDDD",
    "LLLDDDD",
    "LLLDDD",
    "DDDLLL",
    "LLDDDDD",
    "DDDDDD",
    "LLDDDD",
    "DLLDDD",
    "LLLLDDD",
    "DDDLLLL",
    "LDDLLL",
    "DDLLLL",
    "LLLDDDL",
    "DDDDLL",
    "XXXXXXX",
    "XXXXXX",
    "XXXXX",
    "LLDDLL",
    "DLLLDD",
    "XXXXXXXX",
)
EU_PATTERNS = (
    "LLDDDLL",
    "LLLDDDD",
    "LDDDLLL",
    "LLDDLLL",
    "LLLLDDD",
    "DLLLDDD",
    "LLDDDDD",
    "LDLLDDD",
    "DLDDDDD",
    "LLLDDLL",
    "LLDDDDLL",
    "XXXXXXXX",
)


def random_text(rng: random.Random, eu: bool) -> str:
    pat = rng.choice(EU_PATTERNS if eu else US_PATTERNS)
    out = []
    for p in pat:
        if p == "L":
            out.append(rng.choice(LETTERS))
        elif p == "D":
            out.append(rng.choice(DIGITS))
        else:
            out.append(rng.choice(LETTERS + DIGITS))
    return "".join(out)


_FONTS: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def fonts() -> list[str]:
    found = [f for g in FONT_GLOBS for f in glob.glob(g)]
    if not found:
        found = glob.glob("/usr/share/fonts/**/*.ttf", recursive=True)
    if not found:
        raise RuntimeError("no TrueType fonts found (apt-get install fonts-dejavu-core)")
    return found


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    k = (path, size)
    if k not in _FONTS:
        _FONTS[k] = ImageFont.truetype(path, size)
    return _FONTS[k]


def _draw_text_fit(draw, text, box, font_path, fill, stretch=1.0):
    """Draw text filling ``box`` (x0,y0,x1,y1) horizontally-condensed as needed; returns nothing."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    f = _font(font_path, max(6, int(h * 1.25)))
    x_l, t, r, b = draw.textbbox((0, 0), text, font=f)
    tw, th = max(1, r - x_l), max(1, b - t)
    img = Image.new("L", (tw + 4, th + 4), 0)
    ImageDraw.Draw(img).text((2 - x_l, 2 - t), text, font=f, fill=255)
    target_w = min(x1 - x0, int(tw * h / th * stretch))
    img = img.resize((max(1, target_w), max(1, h)), Image.BILINEAR)
    ox = x0 + ((x1 - x0) - target_w) // 2
    return img, (ox, y0), fill


def render_plate(
    rng: random.Random, text: str | None = None, eu: bool | None = None
) -> tuple[np.ndarray, str]:
    """One clean synthetic plate (BGR uint8) and its text."""
    if eu is None:
        eu = rng.random() < 0.35
    if text is None:
        text = random_text(rng, eu)
    two_row = (not eu) and rng.random() < TWO_ROW_SHARE and len(text) >= 5
    W, H = (520, 112) if eu else (300, 150)
    if two_row:
        W, H = 260, 200
    W = int(W * rng.uniform(0.9, 1.1))
    light = rng.random() < 0.85
    if light:
        bg = tuple(
            int(v)
            for v in np.clip(
                np.array([rng.randint(190, 255)] * 3) + np.array([rng.randint(-40, 10) for _ in range(3)]),
                0,
                255,
            )
        )
        fg = rng.choice([(10, 10, 10), (20, 30, 120), (120, 20, 20), (10, 70, 20), (40, 40, 40)])
    else:
        bg = rng.choice([(20, 20, 20), (30, 40, 110), (20, 80, 30), (90, 20, 20)])
        fg = rng.choice([(240, 240, 240), (230, 200, 40)])
    img = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(img)
    if rng.random() < 0.3 and light:  # gradient / picture background
        arr = np.array(img).astype(np.float32)
        grad = np.linspace(rng.uniform(-50, 0), rng.uniform(0, 30), W)[None, :, None]
        arr = np.clip(arr + grad * np.array([rng.random(), rng.random(), rng.random()]), 0, 255)
        img = Image.fromarray(arr.astype(np.uint8))
        d = ImageDraw.Draw(img)
    fp = rng.choice(fonts())
    left = 0
    if eu:
        band = int(W * 0.09)
        d.rectangle([0, 0, band, H], fill=(30, 50, 160))
        d.text(
            (band * 0.25, H * 0.6),
            rng.choice(["D", "F", "I", "NL", "PL", "CZ", "E", "B"]),
            font=_font(fp, int(H * 0.22)),
            fill=(255, 255, 255),
        )
        left = band + 4
        ty0, ty1 = int(H * 0.14), int(H * 0.86)
    else:
        ty0, ty1 = int(H * rng.uniform(0.25, 0.32)), int(H * rng.uniform(0.76, 0.84))
        if rng.random() < 0.85:
            st = rng.choice(STATE_WORDS)
            sf = _font(rng.choice(fonts()), int(H * rng.uniform(0.12, 0.18)))
            x_l, _, r, _ = d.textbbox((0, 0), st, font=sf)
            d.text(
                ((W - (r - x_l)) / 2, H * 0.04),
                st,
                font=sf,
                fill=rng.choice([fg, (150, 20, 20), (20, 40, 140)]),
            )
        if rng.random() < 0.6:
            sl = rng.choice(SLOGANS)
            sf = _font(rng.choice(fonts()), int(H * rng.uniform(0.08, 0.12)))
            x_l, _, r, _ = d.textbbox((0, 0), sl, font=sf)
            d.text(
                ((W - (r - x_l)) / 2, H * 0.86),
                sl,
                font=sf,
                fill=rng.choice([fg, (150, 20, 20), (20, 40, 140)]),
            )
    stretch = rng.uniform(0.75, 1.15)
    margin = int(W * rng.uniform(0.04, 0.1))
    if two_row:
        k = rng.choice([2, 3, len(text) // 2]) if len(text) > 4 else 2
        rows = [text[:k], text[k:]]
        rh = (ty1 - ty0) // 2 - 4
        for i, row in enumerate(rows):
            m, pos, _ = _draw_text_fit(
                d,
                row,
                (left + margin, ty0 + i * (rh + 8), W - margin, ty0 + i * (rh + 8) + rh),
                fp,
                fg,
                stretch,
            )
            img.paste(Image.new("RGB", m.size, fg), pos, m)
    else:
        shown = text
        if rng.random() < 0.35 and len(text) >= 5:  # a gap, hyphen, dot or emblem between groups
            k = rng.randint(2, len(text) - 2)
            shown = text[:k] + rng.choice([" ", "-", " ", "\u00b7"]) + text[k:]
        if rng.random() < 0.2:  # OpenCV's stroke (Hershey) fonts: another local type face
            hershey = rng.choice(
                [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX]
            )
            th = rng.randint(2, 6)
            (tw, tht), _ = cv2.getTextSize(shown, hershey, 1.0, th)
            m = np.zeros((tht * 2, tw + 8), np.uint8)
            cv2.putText(m, shown, (4, int(tht * 1.5)), hershey, 1.0, 255, th, cv2.LINE_AA)
            ys, xs = np.nonzero(m)
            m = m[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
            h = ty1 - ty0
            tw2 = min(W - margin - left - margin, int(m.shape[1] * h / m.shape[0] * stretch))
            m = Image.fromarray(cv2.resize(m, (max(1, tw2), h)))
            pos = (left + margin + (W - 2 * margin - left - tw2) // 2, ty0)
        else:
            m, pos, _ = _draw_text_fit(d, shown, (left + margin, ty0, W - margin, ty1), fp, fg, stretch)
        img.paste(Image.new("RGB", m.size, fg), pos, m)
    arr = cv2.cvtColor(np.array(img), cv2.COLOR_RGB2BGR)
    # stickers and bolts
    for _ in range(rng.randint(0, 3)):
        cx, cy = rng.randint(0, W), rng.choice([rng.randint(0, int(H * 0.3)), rng.randint(int(H * 0.75), H)])
        col = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            cv2.rectangle(arr, (cx, cy), (cx + rng.randint(10, 40), cy + rng.randint(8, 25)), col, -1)
        else:
            cv2.circle(arr, (cx, cy), rng.randint(3, 8), col, -1)
    # frame
    if rng.random() < 0.5:
        t = rng.randint(2, 14)
        col = tuple(rng.randint(0, 80) for _ in range(3)) if rng.random() < 0.7 else (200, 200, 200)
        cv2.rectangle(arr, (0, 0), (W - 1, H - 1), col, t)
        if rng.random() < 0.4:  # dealer frame text at the bottom
            cv2.rectangle(arr, (0, H - t * 2), (W, H), col, -1)
    return arr, text


def _surround(rng: random.Random, plate: np.ndarray) -> np.ndarray:
    """Put the plate on a car-like background with a random margin (loose crops)."""
    H, W = plate.shape[:2]
    mx, my = int(W * rng.uniform(0.0, 0.15)), int(H * rng.uniform(0.0, 0.25))
    bg = np.full((H + 2 * my, W + 2 * mx, 3), [rng.randint(0, 255) for _ in range(3)], np.uint8)
    noise = np.random.default_rng(rng.randint(0, 2**31)).integers(0, 40, bg.shape, dtype=np.uint8)
    bg = cv2.add(bg, noise)
    bg[my : my + H, mx : mx + W] = plate
    return bg


def augment(rng: random.Random, img: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Camera-like degradation of a plate crop (BGR uint8 in, BGR uint8 out)."""
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    if rng.random() < 0.7 * strength:
        img = _surround(rng, img)
    H, W = img.shape[:2]
    # perspective + rotation + loose/tight crop
    j = 0.08 * strength
    src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    dst = src + np.float32([[rng.uniform(-j, j) * W, rng.uniform(-j, j) * H] for _ in range(4)])
    m = cv2.getPerspectiveTransform(src, dst)
    img = cv2.warpPerspective(img, m, (W, H), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.5 * strength:
        a = rng.uniform(-6, 6) * strength
        r = cv2.getRotationMatrix2D((W / 2, H / 2), a, 1.0)
        img = cv2.warpAffine(img, r, (W, H), borderMode=cv2.BORDER_REPLICATE)
    # glare
    if rng.random() < 0.25 * strength:
        ov = np.zeros((H, W), np.float32)
        cv2.ellipse(
            ov,
            (rng.randint(0, W), rng.randint(0, H)),
            (rng.randint(W // 8, W // 2), rng.randint(H // 6, H // 2)),
            rng.uniform(0, 180),
            0,
            360,
            rng.uniform(80, 200),
            -1,
        )
        ov = cv2.GaussianBlur(ov, (0, 0), max(1, W / 15))
        img = np.clip(img.astype(np.float32) + ov[:, :, None], 0, 255).astype(np.uint8)
    # dirt
    if rng.random() < 0.3 * strength:
        for _ in range(rng.randint(3, 25)):
            cv2.circle(
                img,
                (rng.randint(0, W), rng.randint(0, H)),
                rng.randint(1, max(2, H // 20)),
                tuple(rng.randint(30, 120) for _ in range(3)),
                -1,
            )
        mud = cv2.GaussianBlur(nrng.random((H, W)).astype(np.float32), (0, 0), W / 20)
        mud = (mud - mud.min()) / (np.ptp(mud) + 1e-6)
        img = (img.astype(np.float32) * (1 - 0.35 * mud[:, :, None] * rng.random())).astype(np.uint8)
    # night / IR
    u = rng.random()
    if u < 0.15 * strength:
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        g = cv2.convertScaleAbs(g, alpha=rng.uniform(0.3, 0.8), beta=rng.uniform(0, 40))
        img = cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)
    elif u < 0.22 * strength:  # IR: retroreflective background very bright
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        g = cv2.convertScaleAbs(g, alpha=rng.uniform(1.2, 2.0), beta=rng.uniform(-30, 30))
        img = cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)
    # brightness / contrast
    img = cv2.convertScaleAbs(
        img, alpha=rng.uniform(1 - 0.4 * strength, 1 + 0.3 * strength), beta=rng.uniform(-50, 40) * strength
    )
    # low resolution
    if rng.random() < 0.6 * strength:
        s = rng.uniform(0.12, 0.6)
        small = cv2.resize(img, (max(8, int(W * s)), max(4, int(H * s))), interpolation=cv2.INTER_AREA)
        img = cv2.resize(
            small, (W, H), interpolation=rng.choice([cv2.INTER_LINEAR, cv2.INTER_NEAREST, cv2.INTER_CUBIC])
        )
    # blur
    v = rng.random()
    if v < 0.3 * strength:
        k = rng.choice([3, 5, 7])
        img = cv2.GaussianBlur(img, (k, k), 0)
    elif v < 0.45 * strength:
        k = rng.randint(3, 9)
        ker = np.zeros((k, k), np.float32)
        ker[k // 2, :] = 1.0 / k
        img = cv2.filter2D(img, -1, ker)
    # noise + jpeg
    if rng.random() < 0.5 * strength:
        img = np.clip(img.astype(np.float32) + nrng.normal(0, rng.uniform(2, 14), img.shape), 0, 255).astype(
            np.uint8
        )
    if rng.random() < 0.5 * strength:
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(15, 80)])
        if ok:
            img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return img


def synth_sample(rng: random.Random, strength: float = 1.0) -> tuple[np.ndarray, str]:
    plate, text = render_plate(rng)
    return augment(rng, plate, strength), text
