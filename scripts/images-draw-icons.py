#!/usr/bin/env python3
"""Draws the example images' 128x128 icons (images/<app>/icon.png) with the standard
library only: shapes are signed distance functions, anti-aliased by their distance to
the pixel centre, written as an RGBA PNG. Run it again after changing a drawing; the
build (scripts/build-images.sh) turns icon.png into the icon_128 label.

Usage: python3 scripts/images-draw-icons.py [IMAGES_DIR]
"""
import math
import struct
import sys
import zlib
from pathlib import Path

SIZE = 128


def hex_rgb(color):
    color = color.lstrip("#")
    return tuple(int(color[i : i + 2], 16) / 255 for i in (0, 2, 4))


def rounded_box(x0, y0, x1, y1, radius):
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2

    def sdf(x, y):
        qx, qy = abs(x - cx) - hx + radius, abs(y - cy) - hy + radius
        return math.hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - radius

    return sdf


def circle(cx, cy, radius):
    return lambda x, y: math.hypot(x - cx, y - cy) - radius


def polyline(points, width):
    """A stroke with round caps and joins along the given points."""
    segments = list(zip(points, points[1:]))

    def sdf(x, y):
        best = float("inf")
        for (ax, ay), (bx, by) in segments:
            dx, dy = bx - ax, by - ay
            t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
            best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
        return best - width / 2

    return sdf


def vertical_gradient(top, bottom, y0, y1):
    top, bottom = hex_rgb(top), hex_rgb(bottom)

    def paint(_x, y):
        t = max(0.0, min(1.0, (y - y0) / (y1 - y0)))
        return tuple(a + (b - a) * t for a, b in zip(top, bottom))

    return paint


def render(layers):
    """layers: (sdf, colour or paint function, opacity), back to front."""
    rows = []
    for py in range(SIZE):
        row = bytearray([0])  # PNG filter type: none
        for px in range(SIZE):
            x, y = px + 0.5, py + 0.5
            r = g = b = a = 0.0
            for sdf, paint, opacity in layers:
                coverage = max(0.0, min(1.0, 0.5 - sdf(x, y))) * opacity
                if coverage <= 0:
                    continue
                cr, cg, cb = paint(x, y) if callable(paint) else hex_rgb(paint)
                out_a = coverage + a * (1 - coverage)
                r = (cr * coverage + r * a * (1 - coverage)) / out_a
                g = (cg * coverage + g * a * (1 - coverage)) / out_a
                b = (cb * coverage + b * a * (1 - coverage)) / out_a
                a = out_a
            row += bytes(round(v * 255) for v in (r, g, b, a))
        rows.append(bytes(row))
    return rows


def write_png(path, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    data = zlib.compress(b"".join(rows), 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def terminal_icon():
    return [
        (rounded_box(6, 10, 122, 118, 16), "#0f1720", 0.35),  # shadow
        (rounded_box(6, 6, 122, 114, 16), vertical_gradient("#2d3b4c", "#141c25", 6, 114), 1),
        (rounded_box(6, 6, 122, 30, 14), "#46596e", 1),
        (rounded_box(6, 20, 122, 30, 0), "#46596e", 1),
        (circle(22, 18, 5), "#ff5f57", 1),
        (circle(38, 18, 5), "#febc2e", 1),
        (circle(54, 18, 5), "#28c840", 1),
        (polyline([(26, 50), (48, 70), (26, 90)], 9), "#4ade80", 1),
        (rounded_box(58, 84, 98, 94, 3), "#4ade80", 1),
    ]


def filebrowser_icon():
    return [
        (rounded_box(10, 30, 118, 114, 12), "#5a3e05", 0.3),  # shadow
        (rounded_box(10, 18, 58, 40, 8), "#d18f0f", 1),  # tab
        (rounded_box(10, 28, 118, 108, 10), "#d99a16", 1),  # back
        (rounded_box(24, 36, 104, 84, 4), "#f4f1ea", 1),  # sheet
        (rounded_box(32, 46, 90, 50, 2), "#b9b2a3", 1),
        (rounded_box(32, 56, 80, 60, 2), "#b9b2a3", 1),
        (rounded_box(10, 52, 118, 108, 10), vertical_gradient("#ffd45c", "#f0a91c", 52, 108), 1),
        (rounded_box(10, 52, 118, 56, 2), "#fff0b8", 0.8),  # front edge highlight
    ]


def main():
    images = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "images"
    for name, layers in (("terminal", terminal_icon()), ("filebrowser", filebrowser_icon())):
        target = images / name / "icon.png"
        write_png(target, render(layers))
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
