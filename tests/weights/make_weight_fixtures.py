#!/usr/bin/env python3
"""Writes the checkpoint-reader fixtures: real torch.save files in every format ConvLens reads, with the values
Python saved dumped raw beside them, and hostile or broken files that the reader must refuse.

Test-time only (Debian's python3-torch is the reference, never a runtime dependency). Layout under --out:
  good/<name>.pth|.safetensors   checkpoints the reader must accept
  good/<name>.expected.json      [[key, dtype, shape, byte offset], ...] of the state_dict the file holds, after
                                 unwrapping and "module." stripping; values in <name>.expected.bin (contiguous,
                                 little-endian)
  hostile/<name>.pth             files the reader must refuse (code execution, bad opcodes, bad storages, ...);
                                 hostile/manifest.json maps each to a phrase its error message must contain
  hostile/PWNED                  must never exist: the os.system pickles would create it
"""
import argparse
import collections
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import warnings
import zipfile

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from checkpointformats import legacy_bytes  # noqa: E402  (the shared file layouts of the fixture scripts)

DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
               torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32", torch.int16: "int16",
               torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool"}


def dump_expected(state_dict, stem):
    """Writes the values as Python holds them, so the C++ reader is compared with Python, not with itself."""
    entries, blob = [], bytearray()
    for key, tensor in state_dict.items():
        data = tensor.detach().contiguous()
        raw = data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b""
        entries.append([key, DTYPE_NAMES[data.dtype], list(data.shape), len(blob)])
        blob += raw
    with open(stem + ".expected.json", "w") as f:
        json.dump(entries, f, indent=1)
    with open(stem + ".expected.bin", "wb") as f:
        f.write(blob)


def mixed_state_dict():
    """Dtypes, shared storages, non-contiguous views, offsets, a Parameter and _metadata in one OrderedDict."""
    torch.manual_seed(5)
    base = torch.randn(4, 6)
    sd = collections.OrderedDict()
    sd["base"] = base
    sd["transposed"] = base.t()  # same storage, strides (1, 6)
    sd["row2"] = base[2]  # same storage, offset 12
    sd["strided"] = base[:, ::2]  # same storage, strides (6, 2)
    sd["half"] = torch.randn(3, 5).half()
    sd["bfloat"] = torch.randn(7).bfloat16()
    sd["double"] = torch.randn(2, 2).double()
    sd["long"] = torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4)
    sd["int"] = torch.tensor([7, -8, 1 << 30], dtype=torch.int32)
    sd["byte"] = torch.tensor([0, 255, 17], dtype=torch.uint8)
    sd["flag"] = torch.tensor([True, False, True])
    sd["param"] = torch.nn.Parameter(torch.randn(2, 3))
    sd["scalar"] = torch.tensor(3.25)
    sd["empty"] = torch.zeros(0, 4)
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    return sd


def safetensors_bytes(state_dict):
    """safetensors written by hand (no safetensors package): 8-byte little-endian header length, JSON header."""
    codes = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}
    header, blob = {"__metadata__": {"format": "pt"}}, bytearray()
    for key, tensor in state_dict.items():
        data = tensor.detach().contiguous()
        raw = data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b""
        header[key] = {"dtype": codes[data.dtype], "shape": list(data.shape),
                       "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + bytes(blob)


# --- hand-made pickles, for files torch.save cannot produce ---------------------------------------------------

class FakeStorage:
    def __init__(self, key, storage_type, numel):
        self.key, self.storage_type, self.numel = key, storage_type, numel


class FakeTensor:
    """Pickles exactly as torch.save pickles a tensor, but with whatever offset/size/stride the test needs."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Evil:
    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return (self.function, self.args)


class FakeStorageView(FakeStorage):
    """A pre-1.0 storage view: elements [offset, offset + size) of root storage `key`."""

    def __init__(self, key, storage_type, numel, view_key, offset, size):
        super().__init__(key, storage_type, numel)
        self.view = (view_key, offset, size)


class CheckpointPickler(pickle.Pickler):
    """Persistent ids as torch.save writes them: 5-tuples in zip files, 6-tuples (with view) in legacy files."""

    def __init__(self, file, legacy):
        super().__init__(file, protocol=2)
        self.legacy = legacy

    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            pid = ("storage", obj.storage_type, obj.key, "cpu", obj.numel)
            return pid + (getattr(obj, "view", None),) if self.legacy else pid
        return None


def pickle_bytes(obj, legacy=False):
    buffer = io.BytesIO()
    CheckpointPickler(buffer, legacy).dump(obj)
    return buffer.getvalue()


def write_zip(path, pickled, records, byteorder=None):
    """A torch.save-style zip archive: archive/data.pkl, archive/data/<key>, archive/version[, byteorder]."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", pickled)
        if byteorder:
            archive.writestr("archive/byteorder", byteorder)
        for key, data in records.items():
            archive.writestr("archive/data/" + key, data)
        archive.writestr("archive/version", "3\n")


def write_legacy(path, pickled, storages):
    """The legacy layout (tests/common/checkpointformats.py)."""
    with open(path, "wb") as f:
        f.write(legacy_bytes(pickled, storages))


def floats(values):
    return struct.pack("<%df" % len(values), *values)


def make_good(out):
    # resnet18 with seeded random weights, in both torch.save formats.
    torch.manual_seed(18)
    resnet = torchvision.models.resnet18()
    with torch.no_grad():
        for buffer_name, buffer in resnet.named_buffers():
            if buffer.is_floating_point():
                buffer.uniform_(0.5, 1.5)
    sd = resnet.state_dict()
    torch.save(sd, os.path.join(out, "resnet18.zip.pth"))
    torch.save(sd, os.path.join(out, "resnet18.legacy.pth"), _use_new_zipfile_serialization=False)
    dump_expected(sd, os.path.join(out, "resnet18"))

    mixed = mixed_state_dict()
    torch.save(mixed, os.path.join(out, "mixed.zip.pth"))
    torch.save(mixed, os.path.join(out, "mixed.legacy.pth"), _use_new_zipfile_serialization=False)
    dump_expected(mixed, os.path.join(out, "mixed"))
    safe = collections.OrderedDict((k, v.contiguous()) for k, v in mixed.items())
    with open(os.path.join(out, "mixed.safetensors"), "wb") as f:
        f.write(safetensors_bytes(safe))

    # Wrapped checkpoints as training scripts write them, saved from DataParallel ("module." prefixes).
    torch.manual_seed(3)
    small = collections.OrderedDict([("conv.weight", torch.randn(4, 3, 3, 3)), ("conv.bias", torch.randn(4)),
                                     ("fc.weight", torch.randn(2, 4)), ("fc.bias", torch.randn(2))])
    prefixed = collections.OrderedDict(("module." + k, v) for k, v in small.items())
    torch.save({"state_dict": prefixed, "epoch": 3, "arch": "small", "best_acc1": 71.5},
               os.path.join(out, "wrapped_state_dict.pth"))
    optimizer = {"state": {}, "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0, 1, 2, 3]}]}
    torch.save({"model": small, "optimizer": optimizer, "epoch": 90}, os.path.join(out, "wrapped_model.pth"),
               _use_new_zipfile_serialization=False)
    dump_expected(small, os.path.join(out, "small"))

    # densenet's pre-0.4 key names ("norm.1") in the legacy format, as the official densenet121 file has them.
    torch.manual_seed(121)
    old_names = collections.OrderedDict()
    for name, shape in [("features.conv0.weight", (8, 3, 3, 3)),
                        ("features.denseblock1.denselayer1.norm.1.weight", (8,)),
                        ("features.denseblock1.denselayer1.norm.1.bias", (8,)),
                        ("features.denseblock1.denselayer1.norm.1.running_mean", (8,)),
                        ("features.denseblock1.denselayer1.norm.1.running_var", (8,)),
                        ("features.denseblock1.denselayer1.conv.1.weight", (4, 8, 1, 1)),
                        ("classifier.weight", (3, 4)), ("classifier.bias", (3,))]:
        old_names[name] = torch.rand(shape) + 0.5
    torch.save(old_names, os.path.join(out, "densenet_old_names.pth"), _use_new_zipfile_serialization=False)
    renamed = collections.OrderedDict((k.replace("norm.1", "norm1").replace("conv.1", "conv1"), v)
                                      for k, v in old_names.items())
    dump_expected(renamed, os.path.join(out, "densenet_old_names"))

    # A bottleneck-resnet-shaped state_dict to apply to a basic-block-shaped network (resnet50 file, resnet18 net).
    torch.manual_seed(50)
    bottleneck = collections.OrderedDict([("conv1.weight", torch.randn(4, 3, 3, 3)),
                                          ("layer1.0.conv1.weight", torch.randn(4, 4, 1, 1)),
                                          ("layer1.0.conv2.weight", torch.randn(4, 4, 3, 3)),
                                          ("layer1.0.conv3.weight", torch.randn(16, 4, 1, 1)),
                                          ("fc.weight", torch.randn(10, 16)), ("fc.bias", torch.randn(10))])
    torch.save(bottleneck, os.path.join(out, "bottleneck.pth"))

    # A big-endian zip (torch >= 2.1 writes archive/byteorder): values must come out byte-swapped back.
    big = collections.OrderedDict([
        ("f", FakeTensor(FakeStorage("0", torch.FloatStorage, 6), 0, [2, 3], [3, 1])),
        ("l", FakeTensor(FakeStorage("1", torch.LongStorage, 3), 0, [3], [1]))])
    write_zip(os.path.join(out, "bigendian.zip.pth"), pickle_bytes(big),
              {"0": struct.pack(">6f", 1.5, -2.0, 3.25, 1e-3, 7.0, -0.5), "1": struct.pack(">3q", 1, -2, 1 << 40)},
              byteorder="big")
    dump_expected(collections.OrderedDict([
        ("f", torch.tensor([[1.5, -2.0, 3.25], [1e-3, 7.0, -0.5]], dtype=torch.float32)),
        ("l", torch.tensor([1, -2, 1 << 40], dtype=torch.int64))]), os.path.join(out, "bigendian"))

    # Legacy storage views (files from torch < 1.0): tensors in views of one root storage. Python's own reading
    # of the file is the expected value.
    views = collections.OrderedDict([
        ("whole", FakeTensor(FakeStorage("root", torch.FloatStorage, 10), 0, [10], [1])),
        ("view", FakeTensor(FakeStorageView("root", torch.FloatStorage, 10, "v1", 4, 5), 1, [2, 2], [1, 2]))])
    view_path = os.path.join(out, "storage_views.legacy.pth")
    write_legacy(view_path, pickle_bytes(views, legacy=True), [("root", 10, floats(range(10, 20)))])
    dump_expected(torch.load(view_path), os.path.join(out, "storage_views"))

    # Sanity: everything above loads in Python itself.
    for name in sorted(os.listdir(out)):
        if name.endswith(".pth"):
            torch.load(os.path.join(out, name))


def make_hostile(out):
    marker = os.path.join(out, "PWNED")
    command = "touch " + marker
    manifest = {}

    def zip_case(name, pickled, records=None, expect=""):
        write_zip(os.path.join(out, name), pickled, records or {})
        manifest[name] = expect

    # Code execution: GLOBAL posix.system + REDUCE, in both formats.
    evil = pickle_bytes(Evil(os.system, command))
    assert b"system" in evil
    zip_case("os_system.zip.pth", evil, expect="'posix.system', which is not allowed")
    write_legacy(os.path.join(out, "os_system.legacy.pth"), evil, [])
    manifest["os_system.legacy.pth"] = "'posix.system', which is not allowed"
    # The same construction does run under an unrestricted unpickler (so the test above can fail).
    probe = os.path.join(out, "probe_marker")
    pickle.loads(pickle_bytes(Evil(os.system, "touch " + probe)))
    assert os.path.exists(probe), "the os.system pickle did not run under pickle.loads"
    os.remove(probe)
    # os.system hidden inside an otherwise normal state_dict value.
    hidden = collections.OrderedDict([("weight", Evil(os.system, command))])
    zip_case("hidden_system.pth", pickle_bytes(hidden), expect="'posix.system'")
    # Other callables: builtins.eval, Python 2's __builtin__.getattr, REDUCE on an allowed non-callable global.
    zip_case("eval.pth", pickle_bytes(Evil(eval, "__import__('os').system('%s')" % command)),
             expect="eval', which is not allowed")
    zip_case("getattr.pth", b"\x80\x02c__builtin__\ngetattr\nq\x00cposix\nq\x01X\x06\x00\x00\x00systemq\x02\x86R.",
             expect="'__builtin__.getattr', which is not allowed")
    zip_case("reduce_storage.pth", b"\x80\x02ctorch\nFloatStorage\n)R.", expect="REDUCE on 'torch.FloatStorage'")
    zip_case("stack_global.pth", b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x8c\x06system\x93.",
             expect="'posix.system'")
    # Opcodes.
    zip_case("unknown_opcode.pth", b"\x80\x02}q\x00\xff.", expect="unknown pickle opcode 0xff")
    zip_case("newobj.pth", b"\x80\x02ccollections\nOrderedDict\n)\x81.", expect="NEWOBJ")
    zip_case("not_a_dict.pth", b"\x80\x02]q\x00.", expect="not a state_dict")

    # Storages that do not match their declarations.
    def tensor_pickle(numel, offset, size, stride, storage_type=torch.FloatStorage, legacy=False):
        storage = FakeStorage("0", storage_type, numel)
        return pickle_bytes(collections.OrderedDict([("w", FakeTensor(storage, offset, size, stride))]), legacy)

    zip_case("short_storage.zip.pth", tensor_pickle(6, 0, [2, 3], [3, 1]), {"0": floats([1, 2, 3, 4])},
             expect="holds 16 bytes, but declares 6")
    write_legacy(os.path.join(out, "short_storage.legacy.pth"), tensor_pickle(6, 0, [2, 3], [3, 1], legacy=True),
                 [("0", 4, floats([1, 2, 3, 4]))])
    manifest["short_storage.legacy.pth"] = "holds 4 elements, but its tensors declare 6"
    zip_case("offset_out_of_range.pth", tensor_pickle(6, 4, [2, 3], [3, 1]), {"0": floats(range(6))},
             expect="reaches outside its storage")
    zip_case("stride_out_of_range.pth", tensor_pickle(6, 0, [2, 3], [3, 2]), {"0": floats(range(6))},
             expect="reaches outside its storage")
    zip_case("negative_size.pth", tensor_pickle(6, 0, [-2, 3], [3, 1]), {"0": floats(range(6))},
             expect="negative sizes")
    zip_case("missing_record.pth", tensor_pickle(6, 0, [2, 3], [3, 1]), {}, expect="lacks the storage record")
    zip_case("bad_storage_type.pth",
             pickle_bytes(collections.OrderedDict([("w", FakeTensor(FakeStorage("0", torch.nn.Module, 1), 0, [1],
                                                                    [1]))])), {"0": floats([1])},
             expect="'torch.nn.modules.module.Module', which is not allowed")

    # Truncated files: legacy cut inside its storages and inside its pickle; zip cut short.
    mixed = mixed_state_dict()
    buffer = io.BytesIO()
    torch.save(mixed, buffer, _use_new_zipfile_serialization=False)
    legacy = buffer.getvalue()
    with open(os.path.join(out, "truncated_storage.legacy.pth"), "wb") as f:
        f.write(legacy[:len(legacy) - 10])
    manifest["truncated_storage.legacy.pth"] = "is truncated"
    with open(os.path.join(out, "truncated_pickle.legacy.pth"), "wb") as f:
        f.write(legacy[:400])
    manifest["truncated_pickle.legacy.pth"] = "is truncated"
    buffer = io.BytesIO()
    torch.save(mixed, buffer)
    with open(os.path.join(out, "truncated.zip.pth"), "wb") as f:
        f.write(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    manifest["truncated.zip.pth"] = "could not be read"

    # The zip container, judged from its own directory before LibTorch reads it: inflate budgets, names outside the
    # archive's folder, duplicates; and the unpickler's object budget.
    small = tensor_pickle(1, 0, [1], [1])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data.pkl", small)
        archive.writestr("archive/data/0", floats([1]))
        archive.writestr("archive/version", "3\n")
    bomb = bytearray(buffer.getvalue())
    entry = bomb.find(b"archive/data/0", bomb.find(b"PK\x01\x02")) - 46
    struct.pack_into("<I", bomb, entry + 24, 0x7fffffff)  # claims to inflate to 2 GiB
    with open(os.path.join(out, "zip_bomb.pth"), "wb") as f:
        f.write(bomb)
    manifest["zip_bomb.pth"] = "would inflate to 2147483647 bytes"
    with zipfile.ZipFile(os.path.join(out, "dotdot.pth"), "w") as archive:
        archive.writestr("../../evil/data.pkl", small)
        archive.writestr("archive/version", "3\n")
    manifest["dotdot.pth"] = "outside the one top folder"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(os.path.join(out, "duplicate.pth"), "w") as archive:
            archive.writestr("archive/data.pkl", small)
            archive.writestr("archive/data.pkl", small)
            archive.writestr("archive/version", "3\n")
    manifest["duplicate.pth"] = "two records named 'archive/data.pkl'"
    zip_case("five_million_objects.pth", b"\x80\x02](" + b")" * 5_000_000 + b"e.",
             expect="holds more than 4000000 pickled objects")

    # The old tar format (torch < 0.4 wrote a tar of sys_info, pickle, tensors, storages).
    with tarfile.open(os.path.join(out, "old.tar.pth"), "w") as archive:
        for member in ("sys_info", "pickle", "tensors", "storages"):
            data = pickle.dumps({"member": member}, protocol=2)
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    manifest["old.tar.pth"] = "tar format not supported, re-save with torch.save"
    with open(os.path.join(out, "plain_text.pth"), "w") as f:
        f.write("this is not a checkpoint\n")
    manifest["plain_text.pth"] = "is not a PyTorch checkpoint"

    # Broken safetensors.
    good = safetensors_bytes(collections.OrderedDict([("a", torch.ones(4)), ("b", torch.ones(2))]))
    header_size = struct.unpack("<Q", good[:8])[0]
    header = json.loads(good[8:8 + header_size])
    header["b"]["data_offsets"] = [16, 64]
    text = json.dumps(header).encode()
    with open(os.path.join(out, "offsets.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + good[8 + header_size:])
    manifest["offsets.safetensors"] = "data_offsets outside"
    header["b"]["data_offsets"] = [8, 16]
    header["b"]["shape"] = [3]
    text = json.dumps(header).encode()
    with open(os.path.join(out, "shape.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + good[8 + header_size:])
    manifest["shape.safetensors"] = "needs 12 bytes"
    with open(os.path.join(out, "header.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 20) + b"{\"a\": [1, 2" + b"x" * 30)
    manifest["header.safetensors"] = "header is not a JSON object"

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    assert not os.path.exists(marker)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    for folder in ("good", "hostile"):
        os.makedirs(os.path.join(args.out, folder), exist_ok=True)
    marker = os.path.join(args.out, "hostile", "PWNED")
    if os.path.exists(marker):
        os.remove(marker)
    make_good(os.path.join(args.out, "good"))
    make_hostile(os.path.join(args.out, "hostile"))
    print("weight fixtures written to", args.out)


if __name__ == "__main__":
    main()
