#!/usr/bin/env python3
"""Writes a user registry with a fine-tuned model and the reference outputs of torchvision for it.

Test-time only (Debian's python3-torch + torchvision). Layout under --out:
  cifar_resnet18-<hex8>.pth   torchvision resnet18(num_classes=10), seeded weights (zip), named with its real
                              sha256 prefix
  resnet18_1000-<hex8>.pth    torchvision resnet18() (1000 classes), seeded: does not fit num_classes 10
  cifar10.txt                 10 class names
  models.yaml                 user registry (no categories: the built-in ones): resnet18_cifar10, weights.path
                              relative to the file; the stages/taps/cam_target of resnet18 are copied from
                              --registry (the built-in model_registry.yaml)
  clash.yaml                  the same model under the built-in id resnet18
  misfit.yaml                 resnet18_misfit: num_classes 10 with the 1000-class checkpoint
  input.f32, logits.f32       a seeded input [2,3,32,32] and resnet18_cifar10's logits [2,10] (float32, raw)
"""
import argparse
import hashlib
import os

import torch
import torchvision
import yaml


def save_named(model, out, stem):
    for name in os.listdir(out):
        if name.startswith(stem + "-") and name.endswith(".pth"):
            os.remove(os.path.join(out, name))
    staging = os.path.join(out, stem + ".staging")
    torch.save(model.state_dict(), staging)
    with open(staging, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    name = "%s-%s.pth" % (stem, digest[:8])
    os.replace(staging, os.path.join(out, name))
    return name


def entry(model_id, weights_file, resnet18):
    return {
        "id": model_id,
        "display_name": "ResNet-18 (CIFAR-10)",
        "family": "ResNet",
        "architecture": "resnet18",
        "weights": {"path": weights_file},
        "num_classes": 10,
        "labels": "cifar10.txt",
        "preprocess": {"resize": 36, "crop": 32, "interpolation": "bilinear",
                       "mean": [0.4914, 0.4822, 0.4465], "std": [0.247, 0.243, 0.261]},
        "stages": resnet18["stages"],
        "taps": resnet18["taps"],
        "cam_target": resnet18["cam_target"],
    }


def write_registry(path, entries):
    with open(path, "w") as f:
        yaml.safe_dump({"version": 1, "models": entries}, f, sort_keys=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--registry", required=True)
    args = parser.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)

    with open(args.registry) as f:
        builtin = yaml.safe_load(f)
    resnet18 = next(m for m in builtin["models"] if m["id"] == "resnet18")

    torch.manual_seed(10)
    model = torchvision.models.resnet18(num_classes=10).eval()
    # Non-trivial BatchNorm statistics, so eval-mode normalisation is exercised too.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    cifar = save_named(model, out, "cifar_resnet18")

    torch.manual_seed(11)
    misfit = save_named(torchvision.models.resnet18().eval(), out, "resnet18_1000")

    with open(os.path.join(out, "cifar10.txt"), "w") as f:
        f.write("\n".join(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                           "truck"]) + "\n")

    write_registry(os.path.join(out, "models.yaml"), [entry("resnet18_cifar10", cifar, resnet18)])
    write_registry(os.path.join(out, "clash.yaml"), [entry("resnet18", cifar, resnet18)])
    write_registry(os.path.join(out, "misfit.yaml"), [entry("resnet18_misfit", misfit, resnet18)])

    torch.manual_seed(12)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        logits = model(x)
    with open(os.path.join(out, "input.f32"), "wb") as f:
        f.write(x.contiguous().numpy().tobytes())
    with open(os.path.join(out, "logits.f32"), "wb") as f:
        f.write(logits.contiguous().numpy().tobytes())


if __name__ == "__main__":
    main()
