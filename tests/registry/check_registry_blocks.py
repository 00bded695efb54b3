#!/usr/bin/env python3
"""torchvision's view of the ConvLens model registry (test-time only; Debian's /usr/bin/python3).

The block chain of each network follows the naming convention of the ConvLens networks: a block is a torchvision
module path (its state_dict prefix) where a module exists, and a short documented name for a functional step of
torchvision's forward() that has no module. The chain is derived here by introspecting torchvision's models and
verified by running it block by block against torchvision's own forward().

  --out DIR            writes DIR/torchvision.json: per registry model, the block chain, the functional names,
                       the official weights file, and the preprocessing of torchvision's `weights.transforms()`;
                       plus the ImageNet-1k category names. The C++ registry tests read it.
  --registry FILE      checks that every block named in FILE's stages, taps and cam_target is a module in
                       torchvision's named_modules() of the entry's architecture or one of its documented
                       functional names, and that the stages list the whole chain in order. Exits 1 on a problem.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F
import torchvision
from torchvision.models._meta import _IMAGENET_CATEGORIES

# id: (weights enum of torchvision 0.14, official file name, serialization). The EfficientNet files are the
# V1 weights under the names download.pytorch.org serves them now; 0.14's enum still names the older uploads.
MODELS = {
    "resnet18": ("ResNet18_Weights.IMAGENET1K_V1", "resnet18-f37072fd.pth", "zip"),
    "resnet50": ("ResNet50_Weights.IMAGENET1K_V2", "resnet50-11ad3fa6.pth", "zip"),
    "mobilenet_v2": ("MobileNet_V2_Weights.IMAGENET1K_V2", "mobilenet_v2-7ebf99e0.pth", "zip"),
    "mobilenet_v3_small": ("MobileNet_V3_Small_Weights.IMAGENET1K_V1", "mobilenet_v3_small-047dcff4.pth", "zip"),
    "mobilenet_v3_large": ("MobileNet_V3_Large_Weights.IMAGENET1K_V2", "mobilenet_v3_large-5c1a4163.pth", "zip"),
    "efficientnet_b0": ("EfficientNet_B0_Weights.IMAGENET1K_V1", "efficientnet_b0_rwightman-7f5810bc.pth", "zip"),
    "efficientnet_b2": ("EfficientNet_B2_Weights.IMAGENET1K_V1", "efficientnet_b2_rwightman-c35c1473.pth", "zip"),
    "efficientnet_b3": ("EfficientNet_B3_Weights.IMAGENET1K_V1", "efficientnet_b3_rwightman-b3899882.pth", "zip"),
    "densenet121": ("DenseNet121_Weights.IMAGENET1K_V1", "densenet121-a639ec97.pth", "legacy"),
    "convnext_tiny": ("ConvNeXt_Tiny_Weights.IMAGENET1K_V1", "convnext_tiny-983f1562.pth", "zip"),
    "shufflenet_v2_x1_0": ("ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1", "shufflenetv2_x1-5666bf0f80.pth", "legacy"),
}
URL_BASE = "https://download.pytorch.org/models/"

# The functional steps of torchvision's forward(), as (name, the module block they come right before, the step).
FUNCTIONAL = {
    "mobilenet_v2": [("pool", "classifier", lambda x: torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))],
    "densenet121": [("relu", "classifier", lambda x: F.relu(x)),
                    ("pool", "classifier", lambda x: torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))],
    "shufflenet_v2_x1_0": [("pool", "fc", lambda x: x.mean([2, 3]))],
}
# Module blocks that also flatten: torchvision's forward() calls torch.flatten right after `avgpool`, except in
# ConvNeXt, whose classifier starts with its own Flatten.
NO_FLATTEN = {"convnext_tiny"}
# Containers whose children are the blocks (a ResNet stage, an EfficientNet/ConvNeXt stage, DenseNet's features).
BLOCK_TYPES = ("BasicBlock", "Bottleneck", "MBConv", "FusedMBConv", "CNBlock", "InvertedResidual")


def module_chain(model):
    """(name, module) pairs in forward order, expanding stage containers into their blocks."""
    chain = []
    for name, child in model.named_children():
        if name == "features" and not any(n.isdigit() for n, _ in child.named_children()):
            chain += [(f"features.{n}", c) for n, c in child.named_children()]  # DenseNet
        elif name == "features":
            for n, c in child.named_children():
                grand = list(c.named_children())
                if type(c) is torch.nn.Sequential and grand and all(type(g).__name__ in BLOCK_TYPES for _, g in grand):
                    chain += [(f"features.{n}.{gn}", g) for gn, g in grand]
                else:
                    chain.append((f"features.{n}", c))
        elif type(child) is torch.nn.Sequential and name.startswith(("layer", "stage")):
            chain += [(f"{name}.{n}", c) for n, c in child.named_children()]
        else:
            chain.append((name, child))
    return chain


def block_chain(model_id, model):
    """[(block name, callable)] for the whole forward pass."""
    steps = []
    functional = FUNCTIONAL.get(model_id, [])
    for name, module in module_chain(model):
        steps += [(fname, fn) for fname, before, fn in functional if before == name]
        if name == "avgpool" and model_id not in NO_FLATTEN:
            steps.append((name, lambda x, m=module: torch.flatten(m(x), 1)))
        else:
            steps.append((name, module))
    return steps


def verified_chain(model_id):
    """The block names of model_id, after checking that running them in order is torchvision's forward()."""
    torch.manual_seed(0)
    model = torchvision.models.get_model(model_id, weights=None).eval()
    steps = block_chain(model_id, model)
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad():
        y = x
        for _, step in steps:
            y = step(y)
        expected = model(x)
    if y.shape != expected.shape or not torch.allclose(y, expected, atol=1e-5, rtol=1e-4):
        sys.exit(f"{model_id}: running the derived block chain does not reproduce torchvision's forward()")
    module_names = {n for n, _ in model.named_modules()}
    names = [n for n, _ in steps]
    functional = [fname for fname, _, _ in FUNCTIONAL.get(model_id, [])]
    for n in names:
        if n not in module_names and n not in functional:
            sys.exit(f"{model_id}: block '{n}' is neither a module nor a documented functional name")
    return names, functional, module_names


def weights_entry(model_id):
    enum_name, file_name, serialization = MODELS[model_id]
    class_name, member = enum_name.split(".")
    weights = getattr(getattr(torchvision.models, class_name), member)
    t = weights.transforms()
    return {
        "enum": enum_name,
        "file": file_name,
        "url": URL_BASE + file_name,
        "serialization": serialization,
        "num_classes": len(weights.meta["categories"]),
        "preprocess": {
            "resize": list(t.resize_size)[0],
            "crop": list(t.crop_size)[0],
            "interpolation": t.interpolation.value,
            "mean": list(t.mean),
            "std": list(t.std),
        },
    }


def write_fixture(out):
    os.makedirs(out, exist_ok=True)
    models = {}
    for model_id in MODELS:
        names, functional, _ = verified_chain(model_id)
        models[model_id] = dict(weights_entry(model_id), blocks=names, functional=functional)
        print(f"{model_id}: {len(names)} blocks", flush=True)
    with open(os.path.join(out, "torchvision.json"), "w") as f:
        json.dump({"torchvision": torchvision.__version__, "models": models,
                   "imagenet_categories": list(_IMAGENET_CATEGORIES)}, f, indent=1)


def check_registry(path):
    import yaml  # python3-yaml; only this mode needs it

    with open(path) as f:
        registry = yaml.safe_load(f)
    problems = []
    cache = {}
    for entry in registry.get("models", []):
        model_id, arch = entry.get("id"), entry.get("architecture")
        if arch not in MODELS:
            problems.append(f"{model_id}: architecture '{arch}' is not one of {', '.join(MODELS)}")
            continue
        if arch not in cache:
            cache[arch] = verified_chain(arch)
        chain, functional, module_names = cache[arch]

        def check(what, name):
            if name not in module_names and name not in functional:
                problems.append(f"{model_id}: {what}: '{name}' is not in torchvision's named_modules() of {arch} "
                                f"nor a functional name ({', '.join(functional) or 'none'})")
            elif name not in chain:
                problems.append(f"{model_id}: {what}: '{name}' is a module of {arch} but not a block of its chain")

        listed = []
        for stage in entry.get("stages", []):
            for block in stage.get("blocks", []):
                check(f"stage {stage.get('name')}", block)
                listed.append(block)
            # A stage name used as a block reference means the stage's last block.
            if stage.get("name") in chain and stage.get("blocks", [None])[-1] != stage.get("name"):
                problems.append(f"{model_id}: stage {stage.get('name')} is named after a block it does not end with")
        if listed != chain:
            problems.append(f"{model_id}: the stages do not list the chain of {arch} in order:\n  stages: {listed}\n"
                            f"  chain:  {chain}")
        for tap in entry.get("taps", []):
            check("taps", tap)
        check("cam_target", entry.get("cam_target"))
        print(f"{model_id} ({arch}): {len(listed)} blocks in {len(entry.get('stages', []))} stages, "
              f"{len(entry.get('taps', []))} taps, cam_target {entry.get('cam_target')}")
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    if problems:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out")
    parser.add_argument("--registry")
    args = parser.parse_args()
    if not args.out and not args.registry:
        parser.error("give --out and/or --registry")
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    if args.out:
        write_fixture(args.out)
    if args.registry:
        check_registry(args.registry)


if __name__ == "__main__":
    main()
