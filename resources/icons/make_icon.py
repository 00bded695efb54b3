#!/usr/bin/env python3
"""Draws the ConvLens application icon (convlens.png, 256 px, and convlens-64.png, built into the window; and the
desktop's hicolor sizes, hicolor/NxN/apps/convlens.png): a rounded tile with a stack of feature-map squares seen
through a lens whose glass shows a heatmap. Run it to regenerate the PNGs after a change, and keep convlens.svg (the
scalable icon, drawn by hand in the same 1024-unit coordinates) in step."""
import math
import os

from PIL import Image, ImageDraw, ImageFilter

S = 1024  # drawn large, downsampled for smooth edges


def jet(v):
    v = max(0.0, min(1.0, v))
    r = max(0.0, min(1.0, 1.5 - abs(4 * v - 3)))
    g = max(0.0, min(1.0, 1.5 - abs(4 * v - 2)))
    b = max(0.0, min(1.0, 1.5 - abs(4 * v - 1)))
    return int(r * 255), int(g * 255), int(b * 255)


def main():
    img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    bg = Image.new("RGBA", (S, S))
    px = bg.load()
    for y in range(S):
        t = y / S
        c = (int(28 + 20 * t), int(42 + 30 * t), int(78 + 40 * t), 255)
        for x in range(S):
            px[x, y] = c
    mask = Image.new("L", (S, S), 0)
    ImageDraw.Draw(mask).rounded_rectangle((40, 40, S - 40, S - 40), radius=200, fill=255)
    img.paste(bg, (0, 0), mask)

    d = ImageDraw.Draw(img)
    # Feature-map stack: three offset squares.
    for i, shade in enumerate((90, 130, 175)):
        o = 150 + i * 70
        d.rounded_rectangle((o, o, o + 420, o + 420), radius=36, fill=(shade, shade + 20, shade + 50, 255),
                            outline=(230, 235, 245, 255), width=10)
    # Lens glass with a heatmap: a radial jet blob.
    cx, cy, r = 610, 560, 230
    glass = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    gp = glass.load()
    for y in range(cy - r, cy + r):
        for x in range(cx - r, cx + r):
            dist = math.hypot(x - cx, y - cy)
            if dist <= r:
                hot = math.exp(-((x - cx + 50) ** 2 + (y - cy + 40) ** 2) / (2 * 110.0 ** 2))
                cr, cg, cb = jet(0.15 + 0.85 * hot)
                gp[x, y] = (cr, cg, cb, 235)
    img.alpha_composite(glass)
    d = ImageDraw.Draw(img)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(245, 245, 250, 255), width=44)
    # Handle.
    a = math.radians(45)
    x0, y0 = cx + (r + 10) * math.cos(a), cy + (r + 10) * math.sin(a)
    x1, y1 = cx + (r + 170) * math.cos(a), cy + (r + 170) * math.sin(a)
    d.line((x0, y0, x1, y1), fill=(245, 245, 250, 255), width=80)
    d.ellipse((x1 - 40, y1 - 40, x1 + 40, y1 + 40), fill=(245, 245, 250, 255))
    img = img.filter(ImageFilter.SMOOTH)

    out = os.path.dirname(os.path.abspath(__file__))
    img.resize((256, 256), Image.LANCZOS).save(os.path.join(out, "convlens.png"))
    img.resize((64, 64), Image.LANCZOS).save(os.path.join(out, "convlens-64.png"))
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        folder = os.path.join(out, "hicolor", f"{size}x{size}", "apps")
        os.makedirs(folder, exist_ok=True)
        img.resize((size, size), Image.LANCZOS).save(os.path.join(folder, "convlens.png"))


if __name__ == "__main__":
    main()
