#!/usr/bin/env python3
"""Writes matplotlib's colormaps (the reference for ConvLens's polynomial fits) as JSON: 256 8-bit RGB samples
per map, at x = i/255."""
import argparse
import json
import os

import matplotlib

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
maps = {}
for name in ("jet", "turbo", "viridis", "inferno"):
    cmap = matplotlib.colormaps[name]
    maps[name] = [[round(v * 255) for v in cmap(i / 255.0)[:3]] for i in range(256)]
with open(os.path.join(args.out, "colormaps.json"), "w") as f:
    json.dump(maps, f)
