#!/usr/bin/env bash
# Starts the real convlens under Xvfb with fixture weights, opens a photo and saves screenshots of the main view
# with its overlay, the diagram with a selected block, the feature-map grid and compare mode, then checks that each
# PNG holds a real picture (not blank). Usage: screenshots.sh CONVLENS_BINARY OUT_DIR WEIGHTS_DIR [PHOTO]
set -euo pipefail
binary=$1
out=$2
weights=$3
here=$(cd "$(dirname "$0")" && pwd)
photo=${4:-$here/../../resources/samples/chelsea.jpg}

rm -rf "$out"
mkdir -p "$out"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# A private home: the user's settings, caches and weights are never read or written.
export HOME=$home XDG_CONFIG_HOME=$home/config XDG_CACHE_HOME=$home/cache
export CONVLENS_WEIGHTS_DIR=$weights CACHE_DISK=0 OMP_NUM_THREADS=2
unset QT_QPA_PLATFORM

xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$binary" --screenshots "$out" --model resnet50 --layer layer3.1 \
  --compare resnet50,mobilenet_v3_large,efficientnet_b0,convnext_tiny "$photo"

/usr/bin/python3 - "$out" <<'PY'
import sys
from PIL import Image, ImageStat
out = sys.argv[1]
for name in ("main", "diagram", "features", "layers", "diagram-layers", "report", "classpicker", "scorecam", "cancelled", "stale", "cached",
             "methodsgrid", "loading", "compare"):
    img = Image.open(f"{out}/{name}.png").convert("RGB")
    w, h = img.size
    spread = max(ImageStat.Stat(img).stddev)
    assert w >= 800 and h >= 600, f"{name}.png is only {w}x{h}"
    assert spread > 10, f"{name}.png looks blank (stddev {spread:.1f})"
    print(f"{out}/{name}.png {w}x{h} ok")
PY
