#!/usr/bin/env python3
"""Writes the image fixtures: real photos with torchvision's `weights.transforms()` output on them, PIL resize
references for odd sizes, decoding cases in many colour formats, and broken files that must fail cleanly.

Test-time only (PIL 9.4 + torchvision 0.14 from Debian are the reference, never a runtime dependency).
Layout under --out:
  manifest.json              everything below, described (sizes, specs, expected messages)
  photos/<name>              copies of python3-skimage's sample photos (PNG and JPEG)
  photos/<name>.<model>.f32  float32 little-endian [3,crop,crop]: weights.transforms()(Image.open(p).convert("RGB"))
  photos/<name>.<model>.rgb  uint8 [crop,crop,3]: the same pipeline stopped after resize + center crop
  resize/<case>.png          RGB sources; resize/<case>.rgb: PIL's Image.resize of it, uint8 [h,w,3]
  decode/<case>.<ext>        images in assorted modes; decode/<case>.rgb: the expected RGB888 pixels
  failures/<case>            files that must be rejected, with the expected message in the manifest
"""
import argparse
import io
import json
import os
import shutil
import struct
import zlib

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision.models import EfficientNet_B3_Weights, ResNet50_Weights
from torchvision.transforms._presets import ImageClassification
from torchvision.transforms import InterpolationMode
import torchvision.transforms.functional as F

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "retina.jpg"]
# name: (weights or None, the transform). The last two are not shipped weights: they cover nearest and a crop
# larger than the resized image (torchvision pads, odd amounts put the extra pixel right/bottom).
MODELS = {
    "resnet50": (str(ResNet50_Weights.IMAGENET1K_V2), ResNet50_Weights.IMAGENET1K_V2.transforms()),  # 232/224
    "efficientnet_b3": (str(EfficientNet_B3_Weights.IMAGENET1K_V1),
                        EfficientNet_B3_Weights.IMAGENET1K_V1.transforms()),  # 320/300 bicubic
    "nearest_256_224": (None, ImageClassification(crop_size=224, resize_size=256,
                                                  interpolation=InterpolationMode.NEAREST)),
    "padded_100_131": (None, ImageClassification(crop_size=131, resize_size=100, mean=(0.5, 0.4, 0.3),
                                                 std=(0.2, 0.25, 0.3), interpolation=InterpolationMode.BICUBIC)),
}
INTERPOLATIONS = {
    InterpolationMode.NEAREST: ("nearest", Image.Resampling.NEAREST),
    InterpolationMode.BILINEAR: ("bilinear", Image.Resampling.BILINEAR),
    InterpolationMode.BICUBIC: ("bicubic", Image.Resampling.BICUBIC),
}
RESAMPLE = {name: mode for name, mode in INTERPOLATIONS.values()}


def write_u8(path, image):
    array = np.asarray(image.convert("RGB"), dtype=np.uint8)
    array.tofile(path)
    return {"width": image.size[0], "height": image.size[1]}


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, array, color_type, bit_depth):
    """A minimal PNG writer for what PIL cannot save (16-bit RGB/RGBA); array is [h,w,c] of uint8 or >u2."""
    height, width = array.shape[:2]
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + array[y].tobytes() for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(raw)) +
                png_chunk(b"IEND", b""))


def photo_cases(out, manifest):
    os.makedirs(os.path.join(out, "photos"), exist_ok=True)
    manifest["models"] = {}
    for model, (weights, t) in MODELS.items():
        manifest["models"][model] = {
            "weights": weights,
            "resize_size": t.resize_size[0],
            "crop_size": t.crop_size[0],
            "interpolation": INTERPOLATIONS[t.interpolation][0],
            "mean": list(t.mean),
            "std": list(t.std),
        }
    manifest["photos"] = []
    for name in PHOTOS:
        source = os.path.join(SKIMAGE_DATA, name)
        shutil.copyfile(source, os.path.join(out, "photos", name))
        image = Image.open(source).convert("RGB")
        entry = {"file": "photos/" + name, "width": image.size[0], "height": image.size[1], "outputs": {}}
        for model, (_, t) in MODELS.items():
            tensor = t(image)
            assert tensor.dtype == torch.float32 and tensor.shape[0] == 3
            tensor.contiguous().numpy().astype("<f4").tofile(os.path.join(out, "photos", f"{name}.{model}.f32"))
            # The same pipeline up to the crop, to check the 8-bit intermediate byte for byte.
            cropped = F.center_crop(F.resize(image, t.resize_size, interpolation=t.interpolation), t.crop_size)
            write_u8(os.path.join(out, "photos", f"{name}.{model}.rgb"), cropped)
            entry["outputs"][model] = {"f32": f"photos/{name}.{model}.f32", "rgb": f"photos/{name}.{model}.rgb",
                                       "shape": list(tensor.shape)}
        manifest["photos"].append(entry)


def resize_cases(out, manifest):
    os.makedirs(os.path.join(out, "resize"), exist_ok=True)
    rng = np.random.default_rng(1234)
    chelsea = Image.open(os.path.join(SKIMAGE_DATA, "chelsea.png")).convert("RGB")
    coffee = Image.open(os.path.join(SKIMAGE_DATA, "coffee.png")).convert("RGB")
    noise = Image.fromarray(rng.integers(0, 256, (61, 47, 3), dtype=np.uint8), "RGB")
    sources = {
        "chelsea_small": chelsea.crop((100, 50, 137, 73)),  # 37x23, upscaled
        "coffee": coffee,  # 600x400
        "noise": noise,  # 47x61, worst case for clipping (bicubic overshoot)
        "column": coffee.crop((300, 0, 301, 400)),  # 1x400
        "row": coffee.crop((0, 200, 600, 201)),  # 600x1
    }
    # source, width, height
    targets = [
        ("chelsea_small", 200, 150), ("chelsea_small", 37, 90), ("chelsea_small", 91, 23), ("chelsea_small", 5, 3),
        ("coffee", 600, 3), ("coffee", 7, 400), ("coffee", 1, 300), ("coffee", 301, 1), ("coffee", 1, 1),
        ("coffee", 233, 157), ("coffee", 599, 401), ("coffee", 600, 400),
        ("noise", 101, 13), ("noise", 20, 200), ("noise", 46, 60), ("noise", 48, 62),
        ("column", 1, 57), ("column", 9, 400), ("column", 3, 1000),
        ("row", 77, 1), ("row", 600, 5), ("row", 1500, 2),
    ]
    manifest["resize"] = []
    for name, source in sources.items():
        source.save(os.path.join(out, "resize", name + ".png"))
    for name, width, height in targets:
        for interpolation, resample in RESAMPLE.items():
            result = sources[name].resize((width, height), resample)
            case = f"{name}_{width}x{height}_{interpolation}"
            write_u8(os.path.join(out, "resize", case + ".rgb"), result)
            manifest["resize"].append({"source": f"resize/{name}.png", "width": width, "height": height,
                                       "interpolation": interpolation, "expected": f"resize/{case}.rgb"})


def decode_cases(out, manifest):
    """Each case: a file and the RGB888 pixels the decoder must give. `tolerance` is the largest allowed
    per-channel difference; `reference` says where the expected pixels come from."""
    folder = os.path.join(out, "decode")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(99)
    photo = Image.open(os.path.join(SKIMAGE_DATA, "chelsea.png")).convert("RGB").resize((90, 60))
    cases = []

    def add(name, image_or_path, *, save_args=None, expected=None, tolerance=0, reference="PIL convert('RGB')"):
        path = os.path.join(folder, name)
        if isinstance(image_or_path, Image.Image):
            image_or_path.save(path, **(save_args or {}))
        if expected is None:
            expected = Image.open(path).convert("RGB")
        if isinstance(expected, np.ndarray):
            expected = Image.fromarray(expected, "RGB")
        size = write_u8(path + ".rgb", expected)
        cases.append({"file": "decode/" + name, "expected": "decode/" + name + ".rgb", "tolerance": tolerance,
                      "reference": reference, **size})

    add("rgb.png", photo)
    add("grayscale.png", photo.convert("L"))
    add("bilevel.png", photo.convert("1"))
    rgba = photo.copy()
    rgba.putalpha(Image.fromarray(rng.integers(0, 256, (60, 90), dtype=np.uint8), "L"))
    add("rgba.png", rgba)  # alpha dropped, not composited
    add("la.png", rgba.convert("LA"))
    add("palette.png", photo.quantize(colors=37))
    palette_trns = photo.quantize(colors=16)
    add("palette_transparent.png", palette_trns, save_args={"transparency": 3})
    add("grayscale.jpg", photo.convert("L"), save_args={"quality": 90})
    add("rgb.jpg", photo, save_args={"quality": 85})
    add("rgb_progressive.jpg", photo, save_args={"quality": 85, "progressive": True})
    add("rgb_420.jpg", photo, save_args={"quality": 75, "subsampling": 2})
    # Adobe CMYK JPEG: PIL rounds its CMYK->RGB conversion, Qt 6.4 truncates, so allow one level.
    add("cmyk.jpg", photo.convert("CMYK"), save_args={"quality": 95}, tolerance=1)

    # 16-bit PNGs: PIL reads 16-bit RGB(A) as 8-bit by keeping the high byte.
    deep = (rng.integers(0, 65536, (40, 70, 3), dtype=np.uint32)).astype(">u2")
    write_png(os.path.join(folder, "rgb16.png"), deep, 2, 16)
    add("rgb16.png", os.path.join(folder, "rgb16.png"))
    deep_alpha = (rng.integers(0, 65536, (40, 70, 4), dtype=np.uint32)).astype(">u2")
    write_png(os.path.join(folder, "rgba16.png"), deep_alpha, 6, 16)
    add("rgba16.png", os.path.join(folder, "rgba16.png"))
    # 16-bit grayscale: PIL 9.4 opens it as mode "I" and clips to 0..255 (nearly all white); ConvLens keeps the
    # high byte like for 16-bit RGB, so the expected pixels come from numpy, not from PIL.
    gray16 = np.asarray(photo.convert("L"), dtype=np.uint16) * 257 + rng.integers(0, 257, (60, 90), dtype=np.uint16)
    Image.fromarray(gray16.astype(np.uint16)).save(os.path.join(folder, "gray16.png"))
    assert Image.open(os.path.join(folder, "gray16.png")).mode in ("I", "I;16")
    high = (gray16 >> 8).astype(np.uint8)
    add("gray16.png", os.path.join(folder, "gray16.png"), expected=np.stack([high] * 3, axis=-1),
        reference="high byte of each 16-bit sample (PIL 9.4 would clip to 255)")

    # EXIF orientation: the decoder applies it, as ImageOps.exif_transpose does (all seven turns and mirrors).
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        name = f"exif_orientation{orientation}.jpg"
        photo.save(os.path.join(folder, name), quality=92, exif=exif.tobytes())
        with Image.open(os.path.join(folder, name)) as stored:
            assert stored.getexif().get(0x0112) == orientation
            upright = ImageOps.exif_transpose(stored).convert("RGB")
        add(name, os.path.join(folder, name), expected=upright, reference="ImageOps.exif_transpose + convert('RGB')")
    manifest["decode"] = cases


def failure_cases(out, manifest):
    folder = os.path.join(out, "failures")
    os.makedirs(folder, exist_ok=True)
    photo = Image.open(os.path.join(SKIMAGE_DATA, "coffee.png")).convert("RGB")
    cases = []

    def add(name, data, message, contains="", **limits):
        """message: how the error must start; contains: a word it must also hold."""
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        cases.append({"file": "failures/" + name, "message": message, "contains": contains, **limits})

    png = io.BytesIO()
    photo.save(png, "PNG")
    jpeg = io.BytesIO()
    photo.save(jpeg, "JPEG", quality=90)
    add("truncated.png", png.getvalue()[: len(png.getvalue()) // 2], "truncated.png: ", contains="truncated")
    add("truncated.jpg", jpeg.getvalue()[: len(jpeg.getvalue()) // 2], "truncated.jpg: ", contains="truncated")
    corrupt = bytearray(png.getvalue())
    corrupt[len(corrupt) // 2: len(corrupt) // 2 + 64] = bytes(64)  # zeros in the middle of the IDAT stream
    add("corrupt.png", bytes(corrupt), "corrupt.png: ", contains="corrupt")
    add("not_an_image.png", b"This is a text file, not a picture.\n" * 20,
        "not_an_image.png: not an image Qt can read (unknown format)")
    add("empty.jpg", b"", "empty.jpg: ", contains="empty")
    # A 57-byte PNG that claims 50000x50000 pixels: must be refused from the header, before any allocation.
    header = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) +
            png_chunk(b"IEND", b""))
    add("bomb.png", bomb, "bomb.png: 50000×50000 pixels exceeds the 100 MP limit")
    # A real photo that is fine by default, refused under tighter limits.
    add("coffee_limits.png", png.getvalue(), "coffee_limits.png: 600×400 pixels exceeds the 0.1 MP limit",
        max_pixels=100000)
    add("coffee_bytes.png", png.getvalue(), "coffee_bytes.png: ", contains="limit", max_file_bytes=1000)
    manifest["failures"] = cases


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = {}
    photo_cases(args.out, manifest)
    resize_cases(args.out, manifest)
    decode_cases(args.out, manifest)
    failure_cases(args.out, manifest)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
