#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (one folder per target under --out) from the repository's own inputs:
the checkpoint fixtures of tests/weights (good and hostile, written by make_weight_fixtures.py into the build's
fixture folder, or generated here when that folder lacks them), the registries (model_registry.yaml,
tests/registry/**.yaml, the user registry fixture) and images (resources/samples, the image fixtures, and small
images generated here in every format Qt reads). Nothing is hand-edited: run it again to get the same corpora.

  make_seeds.py --out DIR [--fixtures FIXTURE_DIR]
    DIR/checkpoint/    whole checkpoint files of at most 64 KiB (zip, legacy, safetensors, tar, hostile ones)
    DIR/safetensors/   safetensors files as the target reads them: JSON header, NUL, tensor data
    DIR/registry/      registry YAML; user registries start with "# user" (the target then merges them)
    DIR/image/         encoded images of at most 64 KiB (PNG, JPEG, GIF, BMP, WebP, TIFF, ICO, TGA, PPM, ...)
"""
import argparse
import io
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAX_SEED = 64 * 1024


def write(folder, name, data):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def weight_fixtures(fixtures, scratch):
    """The folder holding good/ and hostile/ checkpoints: the build's, or freshly generated ones."""
    folder = fixtures / "weights" if fixtures else None
    if folder and (folder / "hostile").is_dir() and (folder / "good").is_dir():
        return folder
    folder = scratch / "weights"
    subprocess.run([sys.executable, str(ROOT / "tests/weights/make_weight_fixtures.py"), "--out", str(folder)],
                   check=True, stdout=subprocess.DEVNULL)
    return folder


def checkpoint_seeds(weights, out):
    for sub in ("good", "hostile"):
        for path in sorted((weights / sub).iterdir()):
            if path.is_file() and ".expected." not in path.name and path.suffix != ".json" \
                    and path.stat().st_size <= MAX_SEED:
                write(out / "checkpoint", f"{sub}_{path.name}", path.read_bytes())
                if path.suffix == ".safetensors":
                    data = path.read_bytes()
                    length = int.from_bytes(data[:8], "little")
                    if 8 + length <= len(data):
                        write(out / "safetensors", f"{sub}_{path.stem}",
                              data[8:8 + length] + b"\0" + data[8 + length:])


def registry_seeds(fixtures, out):
    folder = out / "registry"
    write(folder, "model_registry.yaml", (ROOT / "model_registry.yaml").read_bytes())
    for path in sorted((ROOT / "tests/registry").rglob("*.yaml")):
        rel = path.relative_to(ROOT / "tests/registry")
        write(folder, "_".join(rel.parts), path.read_bytes())
    # One model at a time from the built-in registry: small, complete seeds the fuzzer mutates quickly.
    text = (ROOT / "model_registry.yaml").read_text()
    head, _, models = text.partition("\nmodels:\n")
    for index, model in enumerate(models.split("\n  - id: ")[1:]):
        write(folder, f"single_{index:02d}.yaml", (head + "\nmodels:\n  - id: " + model).encode())
    user = fixtures / "user_registry" if fixtures else None
    for path in sorted(user.glob("*.yaml")) if user and user.is_dir() else []:
        write(folder, f"user_{path.name}", b"# user\n" + path.read_bytes())


def generated_images():
    """(name, bytes) of small images in every format and colour type the decoder handles."""
    from PIL import Image

    base = Image.open(ROOT / "resources/samples/chelsea.jpg").convert("RGB").resize((24, 16))
    alpha = base.convert("RGBA")
    alpha.putalpha(Image.linear_gradient("L").resize((24, 16)))
    variants = [
        ("rgb.png", base, "PNG", {}),
        ("rgba.png", alpha, "PNG", {}),
        ("gray.png", base.convert("L"), "PNG", {}),
        ("gray16.png", base.convert("I").point(lambda v: v * 256), "PNG", {}),
        ("palette.png", base.convert("P"), "PNG", {}),
        ("bilevel.png", base.convert("1"), "PNG", {}),
        ("interlaced.png", base, "PNG", {"optimize": False}),
        ("rgb.jpg", base, "JPEG", {"quality": 70}),
        ("progressive.jpg", base, "JPEG", {"progressive": True}),
        ("gray.jpg", base.convert("L"), "JPEG", {}),
        ("cmyk.jpg", base.convert("CMYK"), "JPEG", {}),
        ("rgb.gif", base.convert("P"), "GIF", {}),
        ("rgb.bmp", base, "BMP", {}),
        ("palette.bmp", base.convert("P"), "BMP", {}),
        ("lossy.webp", base, "WEBP", {"quality": 50}),
        ("lossless.webp", alpha, "WEBP", {"lossless": True}),
        ("rgb.tif", base, "TIFF", {}),
        ("lzw.tif", alpha, "TIFF", {"compression": "tiff_lzw"}),
        ("rgb.ico", base, "ICO", {"sizes": [(16, 16)]}),
        ("rgb.tga", base, "TGA", {}),
        ("rle.tga", alpha, "TGA", {"compression": "tga_rle"}),
        ("rgb.ppm", base, "PPM", {}),
        ("gray.pgm", base.convert("L"), "PPM", {}),
        ("bilevel.xbm", base.convert("1"), "XBM", {}),
    ]
    for name, image, fmt, options in variants:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        yield name, buffer.getvalue()
    # EXIF orientations 2..8, which the decoder applies.
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        buffer = io.BytesIO()
        base.save(buffer, "JPEG", exif=exif.tobytes())
        yield f"exif{orientation}.jpg", buffer.getvalue()


# The image target picks the file name's suffix from the input's last byte (fuzz_image.cpp: kNames).
SUFFIXES = ["png", "jpg", "gif", "bmp", "webp", "tif", "ico", "tga", "ppm", "xpm", "cur", "pgm", "xbm", "icns", ""]


def with_suffix_byte(name, data):
    """`data` plus a last byte that makes the target use `name`'s suffix (trailing bytes are ignored by decoders)."""
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    index = SUFFIXES.index(suffix) if suffix in SUFFIXES else len(SUFFIXES) - 1
    return data + bytes([index])


def image_seeds(fixtures, out):
    folder = out / "image"
    for name, data in generated_images():
        write(folder, name, with_suffix_byte(name, data))
    for path in sorted((ROOT / "resources/samples").glob("*.jpg")):
        if path.stat().st_size <= MAX_SEED:
            write(folder, "sample_" + path.name, with_suffix_byte(path.name, path.read_bytes()))
    images = fixtures / "image" if fixtures else None
    for sub in ("decode", "failures"):
        for path in sorted((images / sub).iterdir()) if images and (images / sub).is_dir() else []:
            if path.suffix != ".rgb" and 0 < path.stat().st_size <= MAX_SEED:
                write(folder, f"{sub}_{path.name}", with_suffix_byte(path.name, path.read_bytes()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--fixtures", type=pathlib.Path, help="the build's fixture folder (build/release/fixtures)")
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    with tempfile.TemporaryDirectory() as scratch:
        checkpoint_seeds(weight_fixtures(args.fixtures, pathlib.Path(scratch)), args.out)
    registry_seeds(args.fixtures, args.out)
    image_seeds(args.fixtures, args.out)
    for target in sorted(os.listdir(args.out)):
        print(f"{target}: {len(os.listdir(args.out / target))} seeds")


if __name__ == "__main__":
    main()
