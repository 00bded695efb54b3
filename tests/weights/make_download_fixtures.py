#!/usr/bin/env python3
"""Writes the downloader fixtures: a small seeded checkpoint named the torch.hub way, <name>-<first 8 hex of its
sha256>.pth, and manifest.json {"file", "sha256", "size", "keys"} describing it.

Test-time only (Debian's python3-torch). Layout under --out:
  tiny-<hex8>.pth   a zip-format torch.save of an OrderedDict of float tensors (about 2 MB, so it arrives in
                    several chunks and progress is reported more than once)
  manifest.json
"""
import argparse
import collections
import hashlib
import json
import os

import torch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("tiny-") and name.endswith(".pth"):
            os.remove(os.path.join(out, name))

    torch.manual_seed(4)
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.randn(64, 3, 7, 7)
    sd["fc.weight"] = torch.randn(1000, 512)
    sd["fc.bias"] = torch.randn(1000)
    staging = os.path.join(out, "tiny.staging")
    torch.save(sd, staging)
    with open(staging, "rb") as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()
    name = "tiny-%s.pth" % digest[:8]
    os.replace(staging, os.path.join(out, name))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"file": name, "sha256": digest, "size": len(data), "keys": list(sd.keys())}, f, indent=1)


if __name__ == "__main__":
    main()
