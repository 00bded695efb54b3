#!/usr/bin/env python3
"""torchvision's view of every registry model's blocks, the reference for describeNetwork (core/inspect).

Test-time only (Debian's /usr/bin/python3). For every model of --registry, builds the torchvision network of its
architecture, puts a forward hook on the module of every block of the ConvLens block chain (derived and verified
by tests/registry/check_registry_blocks.py), runs torchvision's own forward() once on zeros of the model's crop
size, and writes per block:
  * the output shape without the batch dimension, as the chain passes it on: a hooked module's output, flattened
    after `avgpool` where torchvision's forward() flattens; a functional step (relu, pool) applied to the output
    of the block before it, as torchvision's forward() does
  * the module's class name (type(module).__name__), or null for a functional step
  * the number of parameters of the module (0 for a functional step)
  * its multiply-adds: every Conv2d and Linear inside it, from the shapes its forward hook sees
    (Conv2d: output elements × in_channels/groups × kernel area; Linear: output elements × in_features)
  * its layers with parameters: name (the state_dict prefix), type, parameter count, weight and bias shapes
  * how it joins its paths, read from torchvision's module types and attributes (merge_of below): "merge" (none,
    add, concat), "shortcut" (the leaf modules of the path beside the main one; [] for an identity skip), "units"
    (the children that each merge, for DenseNet's dense layers), "split" and "shuffle" (ShuffleNet)
plus the model's total parameter count. Layout: --out/description.json, {"models": {id: {...}}}.
"""
import argparse
import json
import os
import sys

import torch
import torchvision
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "registry"))
import check_registry_blocks as chains  # noqa: E402  (the verified block chains)


def leaves(module, prefix):
    return [name for name, m in module.named_modules(prefix=prefix) if not list(m.children())]


def merge_of(name, module):
    """What torchvision's forward() of `module` does with its paths: (merge, shortcut leaves, units, split,
    shuffle)."""
    from torchvision.models import convnext, densenet, efficientnet, mobilenetv2, mobilenetv3, resnet, shufflenetv2
    if isinstance(module, (resnet.BasicBlock, resnet.Bottleneck)):  # out + identity, identity = downsample(x)
        shortcut = leaves(module.downsample, name + ".downsample") if module.downsample is not None else []
        return "add", shortcut, [], False, False
    if isinstance(module, (mobilenetv2.InvertedResidual, mobilenetv3.InvertedResidual, efficientnet.MBConv)):
        return ("add" if module.use_res_connect else "none"), [], [], False, False
    if isinstance(module, convnext.CNBlock):
        return "add", [], [], False, False
    if isinstance(module, densenet._DenseBlock):  # every dense layer's output concatenated to its input
        return "concat", [], [f"{name}.{child}" for child, _ in module.named_children()], False, False
    if isinstance(module, shufflenetv2.InvertedResidual):  # cat(x1 | branch1(x), branch2(...)), channel_shuffle
        split = module.stride == 1
        return "concat", ([] if split else leaves(module.branch1, name + ".branch1")), [], split, True
    return "none", [], [], False, False


def describe(entry):
    arch = entry["architecture"]
    crop = entry["preprocess"]["crop"]
    model = torchvision.models.get_model(arch, weights=None, num_classes=entry["num_classes"]).eval()
    modules = dict(model.named_modules())
    steps = chains.block_chain(arch, model)
    functional = {name: fn for name, _, fn in chains.FUNCTIONAL.get(arch, [])}

    hooked = {}
    handles = []
    macs = {}  # leaf module name -> multiply-adds in this forward

    def count(name, module, out):
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            macs[name] = macs.get(name, 0) + out[0].numel() * (module.in_channels // module.groups) * k
        elif isinstance(module, torch.nn.Linear):
            macs[name] = macs.get(name, 0) + out[0].numel() * module.in_features

    for name, module in modules.items():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            handles.append(module.register_forward_hook(
                lambda m, _i, out, name=name: count(name, m, out)))
    for name, _ in steps:
        if name in modules and name not in functional:
            handles.append(modules[name].register_forward_hook(
                lambda _m, _i, out, name=name: hooked.__setitem__(name, out.detach())))
    with torch.no_grad():
        logits = model(torch.zeros(1, 3, crop, crop))
        blocks = []
        previous = None
        for name, _ in steps:
            if name in functional:
                out = functional[name](previous)
                type_name, params = None, 0
            else:
                out = hooked[name]
                if name == "avgpool" and arch not in chains.NO_FLATTEN:
                    out = torch.flatten(out, 1)
                module = modules[name]
                type_name, params = type(module).__name__, sum(p.numel() for p in module.parameters())
            block = {"name": name, "type": type_name, "shape": list(out.shape[1:]), "parameters": params,
                     "macs": 0, "layers": [], "merge": "none", "shortcut": [], "units": [], "split": False,
                     "shuffle": False}
            if name not in functional:
                (block["merge"], block["shortcut"], block["units"], block["split"],
                 block["shuffle"]) = merge_of(name, modules[name])
                prefix = name + "."
                block["macs"] = sum(v for k, v in macs.items() if k == name or k.startswith(prefix))
                for sub, leaf in modules[name].named_modules(prefix=name):
                    own = list(leaf.named_parameters(recurse=False))
                    if own:
                        shapes = dict((key, list(p.shape)) for key, p in own)
                        block["layers"].append({"name": sub, "type": type(leaf).__name__,
                                                "parameters": sum(p.numel() for _, p in own),
                                                "weight": shapes.get("weight", []), "bias": shapes.get("bias", [])})
            blocks.append(block)
            previous = out
    for handle in handles:
        handle.remove()
    if blocks[-1]["shape"] != list(logits.shape[1:]):
        sys.exit(f"{entry['id']}: the last block's output {blocks[-1]['shape']} is not the logits' "
                 f"{list(logits.shape[1:])}")
    return {"architecture": arch, "input": [3, crop, crop], "blocks": blocks,
            "parameters": sum(p.numel() for p in model.parameters())}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--registry", required=True)
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    with open(args.registry) as f:
        registry = yaml.safe_load(f)
    models = {}
    for entry in registry["models"]:
        models[entry["id"]] = describe(entry)
        print(f"{entry['id']}: {len(models[entry['id']]['blocks'])} blocks", flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "description.json"), "w") as f:
        json.dump({"torchvision": torchvision.__version__, "models": models}, f, indent=1)


if __name__ == "__main__":
    main()
