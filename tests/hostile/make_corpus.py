#!/usr/bin/env python3
"""Writes the hostile corpus: images, checkpoints, registries and labels files that convlens-cli and the window
must either refuse with a clear message or read correctly, never crash on, hang on or execute.

Test-time only (Debian's python3 with PIL, numpy, yaml, torch and torchvision). Layout under --out:
  images/, checkpoints/, registries/, labels/   the files
  manifest.json   one entry per file: {"file": relative path, "kind": image|checkpoint|registry|labels,
                  "entry": predict|analyze|weights|registry|verify, "expect": error|ok, "why": what it tests}
  MARKER          must never exist: every file that would run code if loaded naively tries to create it
The FIFOs, symlink loops and the folder named like an image are made here too (the generator runs at test time).
"""
import argparse
import codecs
import collections
import io
import json
import os
import shutil
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checkpointformats import legacy_bytes  # noqa: E402  (the shared file layouts of the fixture scripts)


MODEL = "mobilenet_v3_small"  # the one model the image files run through: the cheapest to build and run

manifest = []


def add(path, kind, entry, expect, why, **extra):
    manifest.append(dict(file=os.path.relpath(path, OUT), kind=kind, entry=entry, expect=expect, why=why, **extra))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


# --- images ---------------------------------------------------------------------------------------------------

def base_image(width=48, height=40, mode="RGB", seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1),
                    rng.integers(0, 256, (height, width))], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb, "RGB").convert(mode)


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def image_case(name, data, expect, why, entry="predict", **extra):
    """`reference`: the file (or "black") whose decoding the valid file must give, where PIL cannot be the judge."""
    path = write(os.path.join(OUT, "images", name), data)
    add(path, "image", entry, expect, why, **extra)


def jpeg_segments_insert(jpeg, segment):
    """Inserts a marker segment right after SOI."""
    return jpeg[:2] + segment + jpeg[2:]


def exif_segment(orientation=None, raw=None):
    if raw is None:
        # Little-endian TIFF header, one IFD with the orientation tag.
        ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x0112, 3, 1, orientation) + struct.pack("<I", 0)
        raw = b"II*\x00" + struct.pack("<I", 8) + ifd
    body = b"Exif\x00\x00" + raw
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png_with_size(width, height, idat=b""):
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat or zlib.compress(b"\0" * 64)) + \
        png_chunk(b"IEND", b"")


def make_images():
    img = base_image()
    encoded = {
        "png": encode(img, "PNG"),
        "jpg": encode(img, "JPEG", quality=90),
        "gif": encode(img.convert("P"), "GIF"),
        "bmp": encode(img, "BMP"),
        "webp": encode(img, "WEBP", lossless=True),
        "tif": encode(img, "TIFF"),
        "ico": encode(img, "ICO", sizes=[(32, 32)]),
        "tga": encode(img, "TGA"),
        "ppm": encode(img, "PPM"),
    }
    # Valid files of every format: must decode as PIL decodes them.
    for ext, data in encoded.items():
        image_case("valid." + ext, data, "ok", f"a valid {ext.upper()}")
    # Truncated at many points: every cut lies inside the header or the pixel data, never in trailing metadata.
    for ext, data in encoded.items():
        cuts = sorted({1, 2, 3, 4, 6, 8, 12, 16, 24, 32, len(data) // 4, len(data) // 2, (len(data) * 3) // 4,
                       (len(data) * 9) // 10})
        for cut in cuts:
            image_case(f"truncated_{cut:05d}.{ext}", data[:cut], "error", f"{ext.upper()} cut after {cut} bytes")
    image_case("zero_bytes.png", b"", "error", "an empty file")
    image_case("zero_bytes.jpg", b"", "error", "an empty file")
    image_case("text.jpg", b"this is not an image, just some text\n" * 3, "error", "text named .jpg")
    image_case("html.png", b"<html><body>404 Not Found</body></html>\n", "error", "an HTML error page named .png")
    image_case("jpeg_named.png", encoded["jpg"], "ok", "a JPEG named .png")
    image_case("png_named.jpg", encoded["png"], "ok", "a PNG named .jpg")
    image_case("gif_named.bmp", encoded["gif"], "ok", "a GIF named .bmp")
    image_case("random_bytes.jpg", np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "error",
               "random bytes named .jpg")
    image_case("jpeg_soi_only.jpg", b"\xff\xd8\xff", "error", "only a JPEG start marker")
    image_case("png_signature_only.png", b"\x89PNG\r\n\x1a\n", "error", "only a PNG signature")

    # Headers claiming huge or degenerate sizes (no pixel data behind them).
    for w, h in ((60000, 60000), (100000, 1), (1, 100000), (0, 10), (2 ** 31 - 1, 2 ** 31 - 1)):
        image_case(f"claims_{w}x{h}.png", png_with_size(w, h), "error", f"PNG header claiming {w}x{h}")
        bmp = bytearray(encoded["bmp"])
        struct.pack_into("<ii", bmp, 18, min(w, 2 ** 31 - 1), min(h, 2 ** 31 - 1))
        image_case(f"claims_{w}x{h}.bmp", bytes(bmp), "error", f"BMP header claiming {w}x{h}")
        gif = bytearray(encoded["gif"])
        if w < 65536 and h < 65536:
            struct.pack_into("<HH", gif, 6, w, h)
            idx = gif.find(b"\x2c")
            struct.pack_into("<HH", gif, idx + 5, w, h)
            image_case(f"claims_{w}x{h}.gif", bytes(gif), "error", f"GIF header claiming {w}x{h}")
        jpg = bytearray(encoded["jpg"])
        sof = jpg.find(b"\xff\xc0")
        if w < 65536 and h < 65536:
            struct.pack_into(">HH", jpg, sof + 5, h, w)
            image_case(f"claims_{w}x{h}.jpg", bytes(jpg), "error", f"JPEG header claiming {w}x{h}")
        tga = bytearray(encoded["tga"])
        if w < 65536 and h < 65536:
            struct.pack_into("<HH", tga, 12, w, h)
            image_case(f"claims_{w}x{h}.tga", bytes(tga), "error", f"TGA header claiming {w}x{h}")
    # A huge but honest image: PNG of 20000x20000 zeros compresses to ~1 MB... too slow to make; a 16000x16000
    # one-colour PNG is a decompression bomb that deflates tiny.
    bomb_rows = zlib.compress(b"\0" * (1 + 3 * 16000) * 16000, 9)
    image_case("bomb_16000x16000.png", png_with_size(16000, 16000, bomb_rows), "error",
               "an honest 256-megapixel PNG (decompression bomb)")
    # Resized as torchvision would, it is 25600000x256 (only the crop is computed): black in, black out.
    image_case("wide_100000x1.png", png_with_size(100000, 1, zlib.compress(b"\0" * (1 + 300000))), "ok",
               "a real 100000x1 black PNG", reference="black")

    # Extreme aspect ratios that are real and small: must work (resize makes the short side 256... or refuse).
    image_case("aspect_2000x2.png", encode(base_image(2000, 2), "PNG"), "ok", "a 2000x2 PNG")
    image_case("aspect_2x2000.png", encode(base_image(2, 2000), "PNG"), "ok", "a 2x2000 PNG")
    image_case("tiny_1x1.png", encode(base_image(1, 1), "PNG"), "ok", "a 1x1 PNG")

    # Top-down BMP (negative height) is valid.
    bmp = bytearray(encoded["bmp"])
    width, height = struct.unpack_from("<ii", bmp, 18)
    offset = struct.unpack_from("<I", bmp, 10)[0]
    stride = (width * 3 + 3) & ~3
    rows = [bytes(bmp[offset + r * stride: offset + (r + 1) * stride]) for r in range(height)]
    struct.pack_into("<i", bmp, 22, -height)
    bmp[offset:offset + stride * height] = b"".join(reversed(rows))
    image_case("topdown.bmp", bytes(bmp), "ok", "a top-down BMP (negative height)")
    bad = bytearray(encoded["bmp"])
    struct.pack_into("<i", bad, 22, -(2 ** 31))
    image_case("height_int_min.bmp", bytes(bad), "error", "a BMP with height INT_MIN")
    bad = bytearray(encoded["bmp"])
    struct.pack_into("<I", bad, 10, 0xfffffff0)
    image_case("pixel_offset_past_end.bmp", bytes(bad), "error", "a BMP whose pixel data offset is past the end")
    bad = bytearray(encoded["bmp"])
    struct.pack_into("<H", bad, 28, 7)
    image_case("bitcount_7.bmp", bytes(bad), "error", "a BMP with 7 bits per pixel")

    # Many-frame GIF: the first frame is what is shown.
    frames = [base_image(seed=i).convert("P") for i in range(300)]
    image_case("frames_300.gif", encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=10),
               "ok", "a 300-frame GIF")

    # Colour formats.
    cmyk = base_image().convert("CMYK")
    image_case("cmyk.jpg", encode(cmyk, "JPEG", quality=95), "ok", "a CMYK JPEG")
    image_case("grey.jpg", encode(base_image().convert("L"), "JPEG", quality=95), "ok", "a greyscale JPEG")
    arr16 = (np.asarray(base_image().convert("L"), dtype=np.uint16) * 257)
    image_case("grey16.png", encode(Image.fromarray(arr16.astype(np.int32), "I").convert("I;16"), "PNG"), "ok",
               "a 16-bit greyscale PNG")
    pal = base_image().convert("P", palette=Image.ADAPTIVE, colors=16)
    image_case("palette_trns.png", encode(pal, "PNG", transparency=3), "ok", "a palette PNG with tRNS")
    image_case("grey_alpha.png", encode(base_image().convert("LA"), "PNG"), "ok", "a grey+alpha PNG")
    image_case("rgba.png", encode(base_image().convert("RGBA"), "PNG"), "ok", "an RGBA PNG")
    image_case("bilevel.png", encode(base_image().convert("1"), "PNG"), "ok", "a 1-bit PNG")
    image_case("rgba.webp", encode(base_image().convert("RGBA"), "WEBP", lossless=True), "ok", "an RGBA WebP")
    image_case("rgba.tif", encode(base_image().convert("RGBA"), "TIFF"), "ok", "an RGBA TIFF")
    image_case("grey.tif", encode(base_image().convert("L"), "TIFF"), "ok", "a greyscale TIFF")
    image_case("lzw.tif", encode(img, "TIFF", compression="tiff_lzw"), "ok", "an LZW TIFF")
    image_case("palette.bmp", encode(base_image().convert("P"), "BMP"), "ok", "a palette BMP")

    # EXIF orientations 1-8 (the image is not square, so a wrong turn changes the prediction input).
    for orientation in range(1, 9):
        image_case(f"exif_orientation_{orientation}.jpg", jpeg_segments_insert(encoded["jpg"], exif_segment(orientation)),
                   "ok", f"a JPEG with EXIF orientation {orientation}")
    garbage = [b"", b"II*\x00", b"II*\x00\xff\xff\xff\xff", b"MM\x00*\x00\x00\x00\x08\xff\xff",
               b"II*\x00\x08\x00\x00\x00" + b"\xff\xff" + b"\x12\x01\x03\x00" * 40,
               np.random.default_rng(2).integers(0, 256, 3000, dtype=np.uint8).tobytes()]
    for i, raw in enumerate(garbage):
        image_case(f"exif_garbage_{i}.jpg", jpeg_segments_insert(encoded["jpg"], exif_segment(raw=raw)), "ok",
                   "a JPEG with garbage EXIF (ignored)", reference="images/valid.jpg")
    image_case("exif_orientation_99.jpg", jpeg_segments_insert(encoded["jpg"], exif_segment(99)), "ok",
               "a JPEG with an invalid EXIF orientation (ignored)", reference="images/valid.jpg")

    # Progressive JPEG with thousands of empty scans: a decode-time bomb.
    prog = encode(base_image(16, 16), "JPEG", progressive=True, quality=80)
    sos = prog.find(b"\xff\xda")
    seg_len = struct.unpack_from(">H", prog, sos + 2)[0]
    # A DC refinement scan (Ss=Se=0, Ah=1... ) with no data is allowed repeatedly by libjpeg: repeat a minimal
    # scan header many times before EOI.
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x00\x10"
    eoi = prog.rfind(b"\xff\xd9")
    image_case("progressive_20000_scans.jpg", prog[:eoi] + scan * 20000 + b"\xff\xd9", "error",
               "a progressive JPEG with 20000 empty scans")
    image_case("progressive_2000_scans.jpg", prog[:eoi] + scan * 2000 + b"\xff\xd9", "error",
               "a progressive JPEG with 2000 empty scans")
    image_case("progressive.jpg", encode(img, "JPEG", progressive=True, quality=90), "ok", "a progressive JPEG")
    del seg_len

    # TGA with a hostile colour map: 65535 entries of 32 bits, first index 65535, on a 2x2 colour-mapped image.
    header = struct.pack("<BBBHHBHHHHBB", 0, 1, 1, 65535, 65535, 32, 0, 0, 2, 2, 8, 0)
    image_case("hostile_colormap.tga", header + b"\x00" * 16, "error", "a TGA whose colour map lies")
    header = struct.pack("<BBBHHBHHHHBB", 0, 1, 1, 0, 65535, 24, 0, 0, 4000, 4000, 8, 0)
    image_case("colormap_4000x4000.tga", header + b"\x01" * (65535 * 3) + b"\x00" * 1000, "error",
               "a colour-mapped TGA claiming 4000x4000 with 1000 bytes of pixels")
    header = struct.pack("<BBBHHBHHHHBB", 255, 0, 10, 0, 0, 0, 0, 0, 8000, 8000, 32, 0)
    image_case("rle_bomb.tga", header + b"\x00" * 255 + b"\xff\x00\x00\x00\x00" * 100, "error",
               "an RLE TGA claiming 8000x8000")
    # ICO directory lies.
    ico = bytearray(encoded["ico"])
    struct.pack_into("<I", ico, 6 + 12, 0x7ffffff0)
    image_case("ico_offset_past_end.ico", bytes(ico), "error", "an ICO whose image offset is past the end")
    ico = bytearray(encoded["ico"])
    struct.pack_into("<H", ico, 4, 65535)
    image_case("ico_65535_images.ico", bytes(ico), "error", "an ICO claiming 65535 images")
    # TIFF with a huge strip count / size.
    tif = bytearray(encoded["tif"])
    image_case("tiff_bad_ifd.tif", bytes(tif[:8]) + struct.pack("<H", 65535) + b"\x00" * 64, "error",
               "a TIFF with 65535 IFD entries and no data")
    # WebP with a lying RIFF size.
    webp = bytearray(encoded["webp"])
    struct.pack_into("<I", webp, 4, 0xfffffff0)
    image_case("webp_riff_size.webp", bytes(webp), "error", "a WebP whose RIFF size lies")

    # Things that are not regular files, named like images (nothing may block on them).
    special = os.path.join(OUT, "images", "fifo.jpg")
    os.mkfifo(special)
    add(special, "image", "predict", "error", "a FIFO named .jpg")
    folder = os.path.join(OUT, "images", "folder.png")
    os.makedirs(folder)
    add(folder, "image", "predict", "error", "a folder named .png")
    loop = os.path.join(OUT, "images", "loop.jpg")
    os.symlink("loop.jpg", loop)
    add(loop, "image", "predict", "error", "a symlink to itself named .jpg")
    os.symlink("/dev/zero", os.path.join(OUT, "images", "devzero.png"))
    add(os.path.join(OUT, "images", "devzero.png"), "image", "predict", "error", "a link to /dev/zero named .png")
    os.symlink("missing-target.png", os.path.join(OUT, "images", "dangling.png"))
    add(os.path.join(OUT, "images", "dangling.png"), "image", "predict", "error", "a dangling symlink")
    with open(os.path.join(OUT, "images", "sparse_300mb.jpg"), "wb") as f:
        f.truncate(300 * 1024 * 1024)
    add(os.path.join(OUT, "images", "sparse_300mb.jpg"), "image", "predict", "error", "a sparse 300 MB file")
    # A few through analyze too (CAM path, tiles).
    for name in ("exif_orientation_6.jpg", "aspect_2000x2.png", "truncated_00008.png", "claims_60000x60000.png",
                 "cmyk.jpg"):
        src = os.path.join(OUT, "images", name)
        dst = os.path.join(OUT, "images", "analyze_" + name)
        shutil.copyfile(src, dst)
        add(dst, "image", "analyze", manifest[[m["file"] for m in manifest].index("images/" + name)]["expect"],
            "through analyze: " + name)


# --- checkpoints ----------------------------------------------------------------------------------------------

def P_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def P_int(n):
    if -2 ** 31 <= n < 2 ** 31:
        return b"J" + struct.pack("<i", n)
    raw = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def P_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def P_tuple(items):
    return b"(" + b"".join(items) + b"t"


def P_call(callable_, args):
    return callable_ + P_tuple(args) + b"R"


def P_dict(pairs, proto=2):
    return bytes([0x80, proto]) + b"}(" + b"".join(k + v for k, v in pairs) + b"u."


def rebuild(key, numel, offset, sizes, strides, storage="FloatStorage"):
    pid = P_tuple([P_str("storage"), P_global("torch", storage), P_str(key), P_str("cpu"), P_int(numel)]) + b"Q"
    return P_call(P_global("torch._utils", "_rebuild_tensor_v2"),
                  [pid, P_int(offset), P_tuple([P_int(s) for s in sizes]), P_tuple([P_int(s) for s in strides]),
                   b"\x89", P_global("collections", "OrderedDict") + b")R"])


def marker_cmd():
    return "touch " + MARKER


def evil_payloads():
    """(name, pickle value bytes): all but nt_system (Windows), newobj_opcode (NEWOBJ needs a class) and the
    numpy/torch.tensor globals (outside the allow-list, but no code) would run `touch MARKER` if unpickled naively."""
    cmd = marker_cmd()
    py = f"__import__('os').system({cmd!r})"
    inner = os.path.join(OUT, "checkpoints", "inner_evil.pkl")
    write(inner, b"\x80\x02" + P_call(P_global("os", "system"), [P_str(cmd)]) + b".")
    return [
        ("os_system", P_call(P_global("os", "system"), [P_str(cmd)])),
        ("posix_system", P_call(P_global("posix", "system"), [P_str(cmd)])),
        ("nt_system", P_call(P_global("nt", "system"), [P_str(cmd)])),
        ("builtins_eval", P_call(P_global("builtins", "eval"), [P_str(py)])),
        ("builtins_exec", P_call(P_global("builtins", "exec"), [P_str(py)])),
        ("builtin_eval_py2", P_call(P_global("__builtin__", "eval"), [P_str(py)])),
        ("getattr_chain", P_call(P_call(P_global("builtins", "getattr"),
                                        [P_call(P_global("builtins", "__import__"), [P_str("os")]), P_str("system")]),
                                 [P_str(cmd)])),
        ("subprocess_popen", P_call(P_global("subprocess", "Popen"), [b"(" + P_str("touch") + P_str(MARKER) + b"l"])),
        ("subprocess_call", P_call(P_global("subprocess", "call"), [b"(" + P_str("touch") + P_str(MARKER) + b"l"])),
        ("torch_load", P_call(P_global("torch", "load"), [P_str(inner)])),
        ("functools_partial", P_call(P_call(P_global("functools", "partial"), [P_global("os", "system"), P_str(cmd)]), [])),
        ("numpy_reconstruct", P_call(P_global("numpy.core.multiarray", "_reconstruct"),
                                     [P_global("os", "system"), P_tuple([P_int(0)]), P_str(cmd)])),
        ("numpy_frombuffer", P_call(P_global("numpy", "frombuffer"), [P_str("abcd")])),
        ("pickle_loads", P_call(P_global("pickle", "loads"),
                                [b"C" + bytes([len(b"\x80\x02" + P_call(P_global("os", "system"), [P_str(cmd)]) + b".")])
                                 + b"\x80\x02" + P_call(P_global("os", "system"), [P_str(cmd)]) + b"."])),
        ("stack_global", P_str("os") + P_str("system") + b"\x93" + P_tuple([P_str(cmd)]) + b"R"),
        ("inst_opcode", b"(" + P_str(cmd) + b"ios\nsystem\n"),
        ("obj_opcode", b"(" + P_global("os", "system") + P_str(cmd) + b"o"),
        ("newobj_opcode", P_global("os", "system") + P_tuple([P_str(cmd)]) + b"\x81"),
        ("build_setstate", P_call(P_global("collections", "OrderedDict"), []) +
         b"}" + P_str("__setstate__") + P_global("os", "system") + b"s" + b"b" + P_str(cmd) + b"b"),
        ("ordereddict_args", P_call(P_global("collections", "OrderedDict"), [P_call(P_global("os", "system"), [P_str(cmd)])])),
        ("rebuild_with_evil_storage", P_call(P_global("torch._utils", "_rebuild_tensor_v2"),
                                             [P_call(P_global("os", "system"), [P_str(cmd)]), P_int(0), P_tuple([]),
                                              P_tuple([]), b"\x89", P_global("collections", "OrderedDict") + b")R"])),
        ("torch_tensor_global", P_call(P_global("torch", "tensor"), [P_str(cmd)])),
        ("builtins_open", P_call(P_global("builtins", "open"), [P_str(MARKER), P_str("w")])),
        ("codecs_rot13", P_call(P_global("os", "system"), [P_call(P_global("codecs", "decode"),
                                                                  [P_str(codecs.encode(cmd, "rot13")), P_str("rot13")])])),
    ]


def ckpt_case(name, data, why, expect="error", entry="weights", **extra):
    path = write(os.path.join(OUT, "checkpoints", name), data)
    add(path, "checkpoint", entry, expect, why, **extra)
    return path


def zip_bytes(records, prefix="archive", compression=zipfile.ZIP_STORED, order=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        # `order` gives full names (duplicates, odd folders) as they are; `records` go under `prefix`.
        for name, data in order or [(f"{prefix}/{name}", data) for name, data in records.items()]:
            archive.writestr(name, data)
    return buffer.getvalue()


def torch_zip(pkl, storages=None, extra=None):
    records = {"data.pkl": pkl, "byteorder": b"little"}
    for key, data in (storages or {}).items():
        records["data/" + key] = data
    records["version"] = b"3\n"
    records.update(extra or {})
    return zip_bytes(records)




def make_checkpoints(weights_dir):
    ck = os.path.join(OUT, "checkpoints")
    os.makedirs(ck, exist_ok=True)
    # Code execution, in every container.
    # Every payload in a zip; the first few also in a legacy file and inside a state_dict entry (each file costs a
    # process start, and the unpickler is the same for all three).
    for i, (name, value) in enumerate(evil_payloads()):
        pkl = b"\x80\x02" + value + b"."
        ckpt_case(f"evil_{name}.zip.pth", torch_zip(pkl), f"zip checkpoint whose pickle calls {name}")
        if i >= 8:
            continue
        ckpt_case(f"evil_{name}.legacy.pth", legacy_bytes(pkl, []), f"legacy checkpoint whose pickle calls {name}")
        pkl = P_dict([(P_str("fc.weight"), value)])
        ckpt_case(f"evil_{name}_in_dict.zip.pth", torch_zip(pkl), f"a state_dict entry calling {name}")
    # Also the magic number itself replaced by a call (legacy reader loads the magic pickle first).
    ckpt_case("evil_magic.legacy.pth", b"\x80\x02" + P_call(P_global("os", "system"), [P_str(marker_cmd())]) + b".",
              "a legacy-looking file whose first pickle is os.system")

    t = rebuild("0", 4, 0, [2, 2], [2, 1])
    four = struct.pack("<4f", 1, 2, 3, 4)
    # Pickle structure oddities.
    odd = {
        "reduce_on_int": P_dict([(P_str("a"), P_int(3) + P_tuple([]) + b"R")]),
        "reduce_on_string": P_dict([(P_str("a"), P_str("x") + P_tuple([]) + b"R")]),
        "reduce_on_dict": P_dict([(P_str("a"), b"}" + P_tuple([]) + b"R")]),
        "build_on_int": P_dict([(P_str("a"), P_int(3) + b"}" + b"b")]),
        "build_on_storage_global": P_dict([(P_str("a"), P_global("torch", "FloatStorage") + b"}b")]),
        "persid_int": P_dict([(P_str("a"), P_int(5) + b"Q")]),
        "persid_short_tuple": P_dict([(P_str("a"), P_tuple([P_str("storage")]) + b"Q")]),
        "persid_bad_type": P_dict([(P_str("a"), P_tuple([P_str("storage"), P_str("float"), P_str("0"), P_str("cpu"),
                                                         P_int(4)]) + b"Q")]),
        "persid_negative_numel": P_dict([(P_str("a"), rebuild("0", -4, 0, [2], [1]))]),
        "persid_huge_numel": P_dict([(P_str("a"), rebuild("0", 2 ** 62, 0, [2], [1]))]),
        "persid_text_P": P_dict([(P_str("a"), b"P0\n")]),
        "memo_unset_binget": P_dict([(P_str("a"), b"h\x05")]),
        "memo_unset_long_binget": P_dict([(P_str("a"), b"j\xff\xff\xff\x7f")]),
        "memo_get_text": P_dict([(P_str("a"), b"g12\n")]),
        "proto5_bytearray8": b"\x80\x05}(" + P_str("a") + b"\x96" + struct.pack("<Q", 4) + b"abcd" + b"u.",
        "proto5_next_buffer": b"\x80\x05}(" + P_str("a") + b"\x97" + b"u.",
        "proto5_readonly_buffer": b"\x80\x05}(" + P_str("a") + b"\x98" + b"u.",
        "proto4_frame_huge": b"\x80\x04\x95" + struct.pack("<Q", 2 ** 63) + b"}.",
        "binbytes8_huge": b"\x80\x04}(" + P_str("a") + b"\x8e" + struct.pack("<Q", 2 ** 62) + b"u.",
        "binunicode8_huge": b"\x80\x04}(" + P_str("a") + b"\x8d" + struct.pack("<Q", 2 ** 64 - 1) + b"u.",
        "long4_huge": b"\x80\x02}(" + P_str("a") + b"\x8b" + struct.pack("<i", 2 ** 31 - 1) + b"u.",
        "long4_negative": b"\x80\x02}(" + P_str("a") + b"\x8b" + struct.pack("<i", -5) + b"u.",
        "pop_empty": b"\x80\x020.",
        "stop_empty": b"\x80\x02.",
        "mark_unclosed": b"\x80\x02}((((((((.",
        "setitems_odd": b"\x80\x02}(" + P_str("a") + b"u.",
        "setitem_on_list": b"\x80\x02]" + P_str("a") + P_str("b") + b"s.",
        "appends_on_dict": b"\x80\x02}(" + P_str("a") + b"e.",
        "dict_key_list": b"\x80\x02}(]" + t + b"u.",
        "unknown_opcode": b"\x80\x02}\xff.",
        "no_stop": b"\x80\x02}(" + P_str("a"),
        "proto_99": b"\x80\x63}.",
        "ext1": b"\x80\x02\x82\x01.",
        "persid_then_reduce": P_dict([(P_str("a"), P_tuple([P_str("storage"), P_global("torch", "FloatStorage"),
                                                            P_str("0"), P_str("cpu"), P_int(4)]) + b"Q" + P_tuple([]) + b"R")]),
        "tensor_as_key": b"\x80\x02}(" + t + t + b"u.",
    }
    for name, pkl in odd.items():
        ckpt_case(f"pickle_{name}.pth", torch_zip(pkl, {"0": four}), f"a pickle with {name.replace('_', ' ')}")
    # 100000-deep nesting (lists, tuples, dicts) and millions of tiny containers.
    ckpt_case("nest_list_100000.pth", torch_zip(b"\x80\x02" + b"]" * 100000 + b"a" * 99999 + b"."),
              "lists nested 100000 deep")
    ckpt_case("nest_mark_100000.pth", torch_zip(b"\x80\x02" + b"(" * 100000 + b"t" * 100000 + b"."),
              "tuples nested 100000 deep")
    ckpt_case("nest_dict_100000.pth",
              torch_zip(b"\x80\x02" + (b"}" + P_str("k")) * 100000 + b"s" * 99999 + b"."), "dicts nested 100000 deep")
    ckpt_case("tiny_containers_3M.pth", torch_zip(b"\x80\x02](" + b")" * 3_000_000 + b"e."),
              "a list of 3 million empty tuples")
    ckpt_case("tiny_containers_5M.pth", torch_zip(b"\x80\x02}(" + P_str("a") + b"](" + b")" * 5_000_000 + b"eu."),
              "a state_dict entry holding a list of 5 million empty tuples (over the object budget)")
    ckpt_case("tiny_dicts_2M.pth", torch_zip(b"\x80\x02](" + b"}" * 2_000_000 + b"e."),
              "a list of 2 million empty dicts")
    ckpt_case("memo_fanout.pth", torch_zip(b"\x80\x02]q\x00" + b"(" + b"h\x00" * 1_000_000 + b"e" +
                                           b"(" + b"h\x00" * 1000 + b"e."),
              "a list holding itself a million times")
    ckpt_case("memo_billion_laughs.pth",
              torch_zip(b"\x80\x02" + P_str("lol") + b"q\x00" + b"".join(
                  b"(" + (b"h" + bytes([i])) * 10 + b"lq" + bytes([i + 1]) for i in range(30)) + b"."),
              "a pickle whose memo references grow 10^30-fold (billion laughs)")

    # Tensor geometry against the storage.
    geometry = {
        "offset_beyond": ("0", 4, 10, [2, 2], [2, 1]),
        "offset_negative": ("0", 4, -1, [2, 2], [2, 1]),
        "size_beyond": ("0", 4, 0, [3, 3], [3, 1]),
        "stride_beyond": ("0", 4, 0, [2, 2], [100, 1]),
        "stride_negative": ("0", 4, 3, [2, 2], [-2, -1]),
        "size_negative": ("0", 4, 0, [-2, 2], [2, 1]),
        "size_product_overflow": ("0", 4, 0, [2 ** 32, 2 ** 32, 2 ** 32], [0, 0, 0]),
        "size_huge_stride0": ("0", 4, 0, [2 ** 62], [0]),
        "stride_overflow": ("0", 4, 0, [2, 2], [2 ** 62, 2 ** 62]),
        "offset_overflow": ("0", 4, 2 ** 63 - 1, [2], [1]),
        "rank_100": ("0", 4, 0, [1] * 100, [1] * 100),
        "sizes_strides_differ": ("0", 4, 0, [2, 2], [1]),
    }
    for name, (key, numel, offset, sizes, strides) in geometry.items():
        ckpt_case(f"tensor_{name}.zip.pth", torch_zip(P_dict([(P_str("w"), rebuild(key, numel, offset, sizes, strides))]),
                                                      {"0": four}), f"a tensor with {name.replace('_', ' ')}")
    ckpt_case("storage_short.zip.pth", torch_zip(P_dict([(P_str("w"), rebuild("0", 1000, 0, [1000], [1]))]), {"0": four}),
              "a storage record shorter than its declared size")
    ckpt_case("storage_missing.zip.pth", torch_zip(P_dict([(P_str("w"), t)]), {}), "a missing storage record")
    ckpt_case("storage_int64_as_float.zip.pth",
              torch_zip(P_dict([(P_str("w"), rebuild("0", 4, 0, [2, 2], [2, 1], "LongStorage"))]), {"0": four}),
              "an int64 storage holding 16 bytes for 4 elements")
    ckpt_case("storage_unknown_type.zip.pth",
              torch_zip(P_dict([(P_str("w"), rebuild("0", 4, 0, [2, 2], [2, 1], "QuantumStorage"))]), {"0": four}),
              "an unknown storage type")
    # Zip container problems.
    good_pkl = P_dict([(P_str("w"), t)])
    records = {"data.pkl": good_pkl, "data/0": four, "version": b"3\n"}
    ckpt_case("zip_dotdot.pth", zip_bytes({}, order=[("../../../tmp/evil/data.pkl", good_pkl), ("archive/data/0", four)]),
              "a zip with ../ names")
    ckpt_case("zip_absolute.pth", zip_bytes({}, order=[("/etc/data.pkl", good_pkl)]), "a zip with an absolute name")
    dup = zip_bytes({}, order=[("archive/data.pkl", good_pkl), ("archive/data.pkl", b"\x80\x02}."),
                               ("archive/data/0", four)])
    ckpt_case("zip_duplicate.pth", dup, "a zip with a duplicate data.pkl")
    ckpt_case("zip_mixed_prefix.pth", zip_bytes({}, order=[("a/data.pkl", good_pkl), ("b/data/0", four)]),
              "a zip whose records have different top folders")
    ckpt_case("zip_no_data_pkl.pth", zip_bytes({"version": b"3\n"}), "a zip without data.pkl")
    ckpt_case("zip_empty_archive.pth", zip_bytes({}), "an empty zip archive")
    valid_zip = zip_bytes(records)
    lying = bytearray(valid_zip)
    cd = lying.rfind(b"PK\x01\x02")
    struct.pack_into("<I", lying, cd + 20, 0x7fffffff)  # compressed size
    struct.pack_into("<I", lying, cd + 24, 0x7fffffff)  # uncompressed size
    ckpt_case("zip_lying_cd_sizes.pth", bytes(lying), "a central directory claiming 2 GB records")
    lying = bytearray(valid_zip)
    cd = lying.find(b"PK\x01\x02")
    struct.pack_into("<I", lying, cd + 42, 0x7ffffff0)  # local header offset
    ckpt_case("zip_lying_cd_offset.pth", bytes(lying), "a central directory pointing past the end")
    lying = bytearray(valid_zip)
    eocd = lying.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", lying, eocd + 8, 65535, 65535)
    ckpt_case("zip_lying_eocd_count.pth", bytes(lying), "an end record claiming 65535 entries")
    lying = bytearray(valid_zip)
    struct.pack_into("<I", lying, eocd + 16, 0xfffffff0)
    ckpt_case("zip_lying_eocd_offset.pth", bytes(lying), "an end record pointing past the end")
    lying = bytearray(valid_zip)
    struct.pack_into("<I", lying, cd + 16, 0xdeadbeef)
    ckpt_case("zip_bad_crc.pth", bytes(lying), "a record with a wrong CRC")
    for cut in (10, 30, 100, len(valid_zip) // 2, len(valid_zip) - 30, len(valid_zip) - 1):
        ckpt_case(f"zip_truncated_{cut}.pth", valid_zip[:cut], f"a zip checkpoint cut after {cut} bytes")
    # Zip bombs: records that inflate to gigabytes.
    # After a full flush the compressor starts afresh, so one compressed MiB of zeros repeats: 3 GiB in 3 MB.
    zero_block = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * (1 << 20)
    block = zero_block.compress(chunk) + zero_block.flush(zlib.Z_FULL_FLUSH)
    deflated = block * (3 * 1024) + zero_block.flush()
    bomb_path = os.path.join(ck, "zip_bomb_storage_3g.pth")
    write_bomb_zip(bomb_path, {"archive/data.pkl": P_dict([(P_str("w"), rebuild("0", 4, 0, [4], [1]))]),
                               "archive/version": b"3\n"}, "archive/data/0", deflated, 3 << 30)
    add(bomb_path, "checkpoint", "weights", "error", "a storage record inflating to 3 GiB")
    bomb_path = os.path.join(ck, "zip_bomb_pickle_3g.pth")
    write_bomb_zip(bomb_path, {"archive/version": b"3\n"}, "archive/data.pkl", deflated, 3 << 30)
    add(bomb_path, "checkpoint", "weights", "error", "a data.pkl inflating to 3 GiB")
    bomb_path = os.path.join(ck, "zip_bomb_lying_size.pth")
    write_bomb_zip(bomb_path, {"archive/data.pkl": P_dict([(P_str("w"), rebuild("0", 4, 0, [4], [1]))]),
                               "archive/version": b"3\n"}, "archive/data/0", deflated, 16)
    add(bomb_path, "checkpoint", "weights", "error", "a record claiming 16 bytes that inflates to 3 GiB")
    # Legacy files.
    legacy_good = legacy_bytes(good_pkl, [("0", 4, four)])
    ckpt_case("legacy_wrong_magic.pth", legacy_bytes(good_pkl, [("0", 4, four)], magic=0x1950a86a20f9469cfc6d),
              "a legacy file with the wrong magic")
    ckpt_case("legacy_wrong_protocol.pth", legacy_bytes(good_pkl, [("0", 4, four)], protocol=7),
              "a legacy file with protocol 7")
    ckpt_case("legacy_truncated_storage.pth", legacy_good[:-5], "a legacy file whose storage is cut short")
    ckpt_case("legacy_absurd_numel.pth", legacy_bytes(good_pkl, [("0", 2 ** 62, four)]),
              "a legacy storage claiming 2^62 elements")
    ckpt_case("legacy_negative_numel.pth", legacy_bytes(good_pkl, [("0", -1, four)]),
              "a legacy storage claiming -1 elements")
    import pickle
    keys = pickle.dumps(["0"] * 100000, protocol=2)
    ckpt_case("legacy_absurd_key_count.pth", legacy_good[:legacy_good.rfind(pickle.dumps(["0"], protocol=2))] + keys,
              "a legacy file listing 100000 storages")
    for cut in (5, 20, len(legacy_good) // 2, len(legacy_good) - 17):
        ckpt_case(f"legacy_cut_{cut}.pth", legacy_good[:cut], f"a legacy checkpoint cut after {cut} bytes")
    # Safetensors.
    def st(header, data=b""):
        text = header if isinstance(header, bytes) else json.dumps(header).encode()
        return struct.pack("<Q", len(text)) + text + data
    ckpt_case("st_header_2_63.safetensors", struct.pack("<Q", 2 ** 63) + b'{"a":1}' + b"\0" * 64,
              "a safetensors header length of 2^63")
    ckpt_case("st_header_2_64_minus_1.safetensors", struct.pack("<Q", 2 ** 64 - 1) + b"{}", "header length 2^64-1")
    entry = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}
    ckpt_case("st_overlap.safetensors", st({"a": entry, "b": dict(entry, data_offsets=[8, 24])}, b"\0" * 24),
              "overlapping safetensors offsets")
    ckpt_case("st_unknown_dtype.safetensors", st({"a": dict(entry, dtype="F8_E9")}, b"\0" * 16), "an unknown dtype")
    ckpt_case("st_non_json.safetensors", struct.pack("<Q", 12) + b"{not json!!}" + b"\0" * 16, "a non-JSON header")
    ckpt_case("st_header_array.safetensors", st(b"[1,2,3]   "), "a JSON array header")
    ckpt_case("st_offsets_past_end.safetensors", st({"a": dict(entry, data_offsets=[0, 1 << 40])}, b"\0" * 16),
              "offsets past the end")
    ckpt_case("st_negative_shape.safetensors", st({"a": dict(entry, shape=[-2, -2])}, b"\0" * 16), "a negative shape")
    ckpt_case("st_shape_overflow.safetensors", st({"a": dict(entry, shape=[2 ** 40, 2 ** 40, 2 ** 40])}, b"\0" * 16),
              "a shape whose product overflows")
    ckpt_case("st_float_shape.safetensors", st({"a": dict(entry, shape=[1.5, 2])}, b"\0" * 16), "a fractional shape")
    ckpt_case("st_entry_string.safetensors", st({"a": "tensor"}, b"\0" * 16), "an entry that is a string")
    ckpt_case("st_deep_json.safetensors", st(b'{"a":' + b"[" * 100000 + b"]" * 100000 + b"}"),
              "a header nested 100000 deep")
    ckpt_case("st_nan_numbers.safetensors", st(b'{"a":{"dtype":"F32","shape":[NaN],"data_offsets":[0,16]}}',
                                               b"\0" * 16), "NaN in the header")

    # Real state_dicts of the image model.
    sd = torch.load(os.path.join(weights_dir, WEIGHTS_FILE))
    buffer = io.BytesIO()
    wrong = collections.OrderedDict(sd)
    key = "classifier.3.weight"
    wrong[key] = torch.zeros(10, wrong[key].shape[1])
    torch.save(wrong, buffer)
    ckpt_case("wrong_shape.pth", buffer.getvalue(), "a valid state_dict with one wrong shape")
    missing = collections.OrderedDict(sd)
    del missing["features.0.0.weight"]
    buffer = io.BytesIO()
    torch.save(missing, buffer)
    ckpt_case("missing_key.pth", buffer.getvalue(), "a valid state_dict missing one key")
    nan = collections.OrderedDict(sd)
    nan["features.0.0.weight"] = nan["features.0.0.weight"].clone()
    nan["features.0.0.weight"][0, 0, 0, 0] = float("nan")
    buffer = io.BytesIO()
    torch.save(nan, buffer)
    ckpt_case("nan_weight.pth", buffer.getvalue(), "a state_dict with a NaN weight")
    half = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items())
    buffer = io.BytesIO()
    torch.save(half, buffer)
    ckpt_case("float16.pth", buffer.getvalue(), "a float16 state_dict (loads like load_state_dict, converted)",
              expect="ok", entry="predict")
    legacy_path = os.path.join(ck, "legacy_valid.pth")
    torch.save(sd, legacy_path, _use_new_zipfile_serialization=False)
    add(legacy_path, "checkpoint", "predict", "ok", "a valid legacy (pre-1.6) checkpoint")
    wrapped_path = os.path.join(ck, "wrapped_module_prefix.pth")
    torch.save({"state_dict": collections.OrderedDict(("module." + k, v) for k, v in sd.items())}, wrapped_path)
    add(wrapped_path, "checkpoint", "predict", "ok", "a DataParallel state_dict wrapped in {'state_dict': ...}")
    ints = collections.OrderedDict(sd)
    ints["classifier.3.bias"] = torch.zeros(ints["classifier.3.bias"].shape, dtype=torch.int64)
    buffer = io.BytesIO()
    torch.save(ints, buffer)
    ckpt_case("int64_bias.pth", buffer.getvalue(), "an int64 tensor where float32 is expected (converted)",
              expect="ok", entry="predict")
    # Not files.
    fifo = os.path.join(ck, "fifo.pth")
    os.mkfifo(fifo)
    add(fifo, "checkpoint", "weights", "error", "a FIFO named .pth")
    os.makedirs(os.path.join(ck, "folder.pth"))
    add(os.path.join(ck, "folder.pth"), "checkpoint", "weights", "error", "a folder named .pth")
    os.symlink("/dev/zero", os.path.join(ck, "devzero.pth"))
    add(os.path.join(ck, "devzero.pth"), "checkpoint", "weights", "error", "a link to /dev/zero")
    os.symlink("loop.pth", os.path.join(ck, "loop.pth"))
    add(os.path.join(ck, "loop.pth"), "checkpoint", "weights", "error", "a symlink loop")
    ckpt_case("empty.pth", b"", "an empty file")
    ckpt_case("text.pth", b"not a checkpoint\n", "a text file")
    with open(os.path.join(ck, "sparse_8g.pth"), "wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(8 << 30)
    add(os.path.join(ck, "sparse_8g.pth"), "checkpoint", "weights", "error", "a sparse 8 GiB zip-looking file")
    for name, head in (("legacy", legacy_bytes(good_pkl, [("0", 4, four)])[:64]),
                       ("safetensors", struct.pack("<Q", 2) + b"{}")):
        with open(os.path.join(ck, f"sparse_3g.{name}.pth"), "wb") as f:
            f.write(head)
            f.truncate(3 << 30)
        add(os.path.join(ck, f"sparse_3g.{name}.pth"), "checkpoint", "weights", "error",
            f"a sparse 3 GiB {name}-looking file (read whole, it would exhaust memory)")
    # weights verify: hostile files under the model's official name in a weights folder of their own.
    for name in ("evil_os_system.zip.pth", "zip_bomb_storage_3g.pth", "text.pth"):
        folder = os.path.join(ck, "verify_" + name.split(".")[0])
        os.makedirs(folder)
        shutil.copyfile(os.path.join(ck, name), os.path.join(folder, WEIGHTS_FILE))
        add(folder, "checkpoint", "verify", "error", "weights verify on " + name + " under the official name")
    folder = os.path.join(ck, "verify_fifo")
    os.makedirs(folder)
    os.mkfifo(os.path.join(folder, WEIGHTS_FILE))
    add(folder, "checkpoint", "verify", "error", "weights verify on a FIFO under the official name")


def write_bomb_zip(path, records, bomb_name, deflated, declared_size):
    """A zip whose `bomb_name` record is the given raw deflate stream, declaring `declared_size` bytes (zip64
    when needed)."""
    out = bytearray()
    central = bytearray()
    entries = [(name, data, zlib.crc32(data), len(data), len(data), 0) for name, data in records.items()]
    entries.append((bomb_name, deflated, 0, len(deflated), declared_size, 8))
    for name, data, crc, csize, usize, method in entries:
        offset = len(out)
        encoded = name.encode()
        zip64 = usize >= 0xffffffff or csize >= 0xffffffff
        extra = struct.pack("<HHQQ", 1, 16, usize, csize) if zip64 else b""
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 45, 0, method, 0, 0, crc,
                           0xffffffff if zip64 else csize, 0xffffffff if zip64 else usize, len(encoded), len(extra))
        out += encoded + extra + data
        cextra = struct.pack("<HHQQQ", 1, 24, usize, csize, offset) if zip64 else b""
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 45, 45, 0, method, 0, 0, crc,
                               0xffffffff if zip64 else csize, 0xffffffff if zip64 else usize, len(encoded),
                               len(cextra), 0, 0, 0, 0, 0xffffffff if zip64 else offset)
        central += encoded + cextra
    cd_offset = len(out)
    out += central
    zip64_eocd = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, len(entries), len(entries), len(central), cd_offset)
    out += struct.pack("<IIQI", 0x07064b50, 0, zip64_eocd, 1)
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(entries), len(entries), len(central), cd_offset, 0)
    write(path, bytes(out))


# --- registries and labels ------------------------------------------------------------------------------------

def model_entry(**overrides):
    entry = {
        "id": "hostile-model", "display_name": "Hostile", "family": "MobileNet", "architecture": MODEL,
        "weights": {"path": os.path.join(WEIGHTS_DIR, WEIGHTS_FILE)},
        "num_classes": 1000, "labels": os.path.join(SOURCE, "resources", "labels", "imagenet1k.txt"),
        "preprocess": {"resize": 256, "crop": 224, "interpolation": "bilinear", "mean": [0.485, 0.456, 0.406],
                       "std": [0.229, 0.224, 0.225]},
    }
    for key, value in overrides.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def registry_case(name, text, why, expect="error", model="hostile-model", **extra):
    path = write(os.path.join(OUT, "registries", name), text if isinstance(text, bytes) else text.encode())
    add(path, "registry", "registry", expect, why, model=model, **extra)
    return path


def make_registries():
    import yaml
    with open(os.path.join(SOURCE, "model_registry.yaml")) as f:
        builtin = yaml.safe_load(f)
    base = next(m for m in builtin["models"] if m["id"] == MODEL)
    stages, taps, cam = base["stages"], base["taps"], base["cam_target"]

    def reg(models, extra_top=None):
        doc = {"version": 1, "models": models}
        doc.update(extra_top or {})
        return yaml.safe_dump(doc, sort_keys=False)

    def full(**overrides):
        entry = model_entry(**overrides)
        entry.setdefault("stages", stages)
        entry.setdefault("taps", taps)
        entry.setdefault("cam_target", cam)
        return entry

    registry_case("valid.yaml", reg([full()]), "a valid user registry with a local weights path", expect="ok")
    for field in ("id", "display_name", "family", "architecture", "weights", "num_classes", "labels", "preprocess"):
        registry_case(f"missing_{field}.yaml", reg([full(**{field: None})]), f"a model without {field}")
    wrong_types = {
        "id": ["a", "b"], "display_name": {"x": 1}, "family": [1], "architecture": 5, "weights": "file.pth",
        "num_classes": "many", "labels": [1, 2], "preprocess": [1, 2, 3], "stages": "all", "taps": {"a": 1},
        "cam_target": [1],
    }
    for field, value in wrong_types.items():
        registry_case(f"wrong_type_{field}.yaml", reg([full(**{field: value})]), f"{field} of the wrong type")
    registry_case("unknown_architecture.yaml", reg([full(architecture="resnet9000")]), "an unknown architecture")
    registry_case("tap_no_block.yaml", reg([full(taps=["features.99"])]), "a tap naming no block")
    registry_case("cam_no_block.yaml", reg([full(cam_target="nowhere")]), "a cam_target naming no block")
    pre = model_entry()["preprocess"]
    bad_pre = {
        "mean_length_2": dict(pre, mean=[0.5, 0.5]), "std_length_4": dict(pre, std=[1, 1, 1, 1]),
        "resize_negative": dict(pre, resize=-256), "crop_negative": dict(pre, crop=-1), "crop_zero": dict(pre, crop=0),
        "resize_huge": dict(pre, resize=10 ** 9), "std_nan": dict(pre, std=[float("nan"), 1, 1]),
        "std_inf": dict(pre, std=[float("inf"), 1, 1]), "mean_inf": dict(pre, mean=[float("-inf"), 0, 0]),
        "std_tiny": dict(pre, std=[1e-300, 1, 1]), "std_negative": dict(pre, std=[-1, 1, 1]),
        "mean_string": dict(pre, mean=["a", "b", "c"]), "interpolation_unknown": dict(pre, interpolation="lanczos9"),
    }
    for name, value in bad_pre.items():
        registry_case(f"preprocess_{name}.yaml", reg([full(preprocess=value)]), f"preprocess with {name}")
    registry_case("num_classes_negative.yaml", reg([full(num_classes=-5)]), "negative num_classes")
    registry_case("num_classes_huge.yaml", reg([full(num_classes=2 ** 40)]), "num_classes of 2^40")
    registry_case("num_classes_nan.yaml", reg([full(num_classes=float("nan"))]), "num_classes NaN")
    # Weights paths that are not checkpoints.
    for name, target in (("devzero", "/dev/zero"), ("folder", os.path.join(OUT, "registries")),
                         ("fifo", os.path.join(OUT, "registries", "weights.fifo")),
                         ("evil", os.path.join(OUT, "checkpoints", "evil_os_system.zip.pth")),
                         ("bomb", os.path.join(OUT, "checkpoints", "zip_bomb_storage_3g.pth"))):
        registry_case(f"weights_path_{name}.yaml", reg([full(weights={"path": target})]), f"weights.path is {name}",
                      runtime=True, names=[target])
    os.mkfifo(os.path.join(OUT, "registries", "weights.fifo"))
    # Labels files (the labels field of a user registry: the one way the CLI takes a labels file).
    labels_dir = os.path.join(OUT, "labels")
    os.makedirs(labels_dir)
    with open(os.path.join(SOURCE, "resources", "labels", "imagenet1k.txt")) as f:
        names = f.read().splitlines()
    labels = {
        "short.txt": "\n".join(names[:999]) + "\n",
        "long.txt": "\n".join(names + ["extra"]) + "\n",
        "binary.txt": bytes(range(256)) * 40,
        "empty.txt": "",
        "one_line_8mb.txt": "x" * (9 << 20),
        "blank_lines.txt": "\n" * 1000,
        "nul_bytes.txt": "\n".join(n + "\0" for n in names) + "\n",
    }
    for name, content in labels.items():
        path = write(os.path.join(labels_dir, name), content if isinstance(content, bytes) else content.encode())
        registry_case("labels_" + name.replace(".txt", ".yaml"), reg([full(labels=path)]), f"labels file {name}",
                      names=[path])
        manifest[-1]["kind"] = "labels"
    for name, target in (("devzero", "/dev/zero"), ("folder", labels_dir), ("fifo", os.path.join(labels_dir, "fifo.txt")),
                         ("missing", os.path.join(labels_dir, "missing.txt"))):
        registry_case(f"labels_{name}.yaml", reg([full(labels=target)]), f"labels is {name}", names=[target])
        manifest[-1]["kind"] = "labels"
    os.mkfifo(os.path.join(labels_dir, "fifo.txt"))
    utf8 = "\n".join(["étiquette ü " + n for n in names]) + "\n"
    path = write(os.path.join(labels_dir, "utf8.txt"), utf8.encode())
    registry_case("labels_utf8.yaml", reg([full(labels=path)]), "UTF-8 labels", expect="ok")
    manifest[-1]["kind"] = "labels"
    # YAML-level attacks.
    laughs = "a: &a [" + ",".join(["lol"] * 10) + "]\n"
    for i in range(1, 20):
        laughs += f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    registry_case("billion_laughs.yaml", laughs + "version: 1\nmodels: *t\n", "billion-laughs aliases")
    registry_case("billion_laughs_in_model.yaml",
                  laughs + "version: 1\nmodels:\n  - id: x\n    display_name: *t\n", "billion laughs in a field")
    registry_case("flow_nesting_100000.yaml", "version: 1\nmodels: " + "[" * 100000 + "]" * 100000 + "\n",
                  "flow sequences nested 100000 deep")
    registry_case("flow_map_nesting_100000.yaml", "version: 1\nmodels: " + "{a: " * 100000 + "b" + "}" * 100000 + "\n",
                  "flow mappings nested 100000 deep")
    registry_case("flow_unclosed_100000.yaml", "version: 1\nmodels: " + "[" * 100000 + "\n", "100000 unclosed [")
    registry_case("block_nesting_deep.yaml", "version: 1\nmodels:\n" + "".join(" " * i + "- \n" for i in range(1, 3000)),
                  "block sequences nested 3000 deep")
    big = os.path.join(OUT, "registries", "big_50mb.yaml")
    with open(big, "w") as f:
        f.write("version: 1\nmodels:\n")
        line = "# " + "x" * 1000 + "\n"
        f.write(line * (50 * 1024))
    add(big, "registry", "registry", "error", "a 50 MB registry", model="hostile-model")
    registry_case("duplicate_keys.yaml", "version: 1\nversion: 1\nmodels: []\n", "duplicate top-level keys")
    dup = reg([full()]).replace("  display_name: Hostile\n", "  display_name: Hostile\n  display_name: Again\n")
    registry_case("duplicate_model_keys.yaml", dup, "duplicate keys in a model")
    registry_case("duplicate_ids.yaml", reg([full(), full()]), "the same id twice")
    registry_case("categories_300000.yaml", "version: 1\ncategories:\n" + "".join(
        f"  c{i}: \"#000000\"\n" for i in range(300000)) + "models: []\n", "300,000 categories")
    registry_case("models_1500.yaml", reg([full(id=f"m{i}") for i in range(1500)]), "1,500 models")
    registry_case("not_yaml.yaml", b"\xff\xfe\x00\x00garbage\x00\x01", "binary garbage")
    registry_case("tabs.yaml", "version: 1\nmodels:\n\t- id: x\n", "tabs for indentation")
    registry_case("scalar_root.yaml", "42\n", "a scalar document")
    registry_case("list_root.yaml", "- 1\n- 2\n", "a list document")
    registry_case("empty.yaml", "", "an empty registry")
    registry_case("version_2.yaml", reg([full()]).replace("version: 1", "version: 2"), "version 2")
    registry_case("yaml_tags.yaml", "version: 1\nmodels: !!python/object/apply:os.system ['touch " + MARKER + "']\n",
                  "a python/object tag (must not run)")
    registry_case("multi_document.yaml", reg([full()]) + "---\n" + reg([full()]), "two YAML documents")
    registry_case("huge_scalar.yaml", "version: 1\nmodels:\n  - id: " + "x" * (3 << 20) + "\n", "a 3 MB id")
    registry_case("anchor_loop.yaml", "version: 1\nmodels: &m\n  - *m\n", "an alias to its own anchor")
    for name, target in (("devzero", "/dev/zero"), ("folder", os.path.join(OUT, "registries")),
                         ("fifo", os.path.join(OUT, "registries", "registry.fifo"))):
        path = os.path.join(OUT, "registries", "link_" + name + ".yaml")
        os.symlink(target, path)
        add(path, "registry", "registry", "error", f"--registry is {name}", model="hostile-model")
    os.mkfifo(os.path.join(OUT, "registries", "registry.fifo"))


def main():
    global OUT, MARKER, SOURCE, WEIGHTS_DIR, WEIGHTS_FILE
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--weights-dir", required=True, help="the models fixture folder (seeded checkpoints)")
    parser.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    args = parser.parse_args()
    OUT = os.path.abspath(args.out)
    SOURCE = os.path.abspath(args.source)
    WEIGHTS_DIR = os.path.abspath(args.weights_dir)
    with open(os.path.join(WEIGHTS_DIR, MODEL + ".json")) as f:
        WEIGHTS_FILE = json.load(f)["weights"]
    MARKER = os.path.join(OUT, "MARKER")
    if os.path.lexists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    make_images()
    make_checkpoints(WEIGHTS_DIR)
    make_registries()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"model": MODEL, "weights_file": WEIGHTS_FILE, "marker": MARKER, "files": manifest}, f, indent=1)
    counts = collections.Counter((m["kind"], m["expect"]) for m in manifest)
    print(f"{len(manifest)} files in {OUT}: " + ", ".join(f"{k[0]}/{k[1]} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
