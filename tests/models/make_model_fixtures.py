#!/usr/bin/env python3
"""Writes the model parity fixtures: for each of the eleven torchvision networks, seeded random weights in the
official checkpoint's file name and serialization, a fixed input batch and torchvision's logits for it.

Test-time only (python3-torchvision is the reference, never a runtime dependency). Layout under --out:
  <id>.json            manifest: weights file, serialization, input/logits files and shapes, state_dict keys+shapes
  <official>.pth       seeded random weights; zip format, or legacy (pre-1.6) for densenet121 (with its old
                       `norm.1`-style keys) and shufflenet_v2_x1_0, as the official files are
  <id>.input.f32       float32 little-endian, the input batch [2,3,S,S]
  <id>.logits.f32      float32 little-endian, torchvision's logits [2,1000] in eval mode
"""
import argparse
import json
import os
import re

import torch
import torchvision

# id: (official file name, serialization, crop size)
MODELS = {
    "resnet18": ("resnet18-f37072fd.pth", "zip", 224),
    "resnet50": ("resnet50-11ad3fa6.pth", "zip", 224),
    "mobilenet_v2": ("mobilenet_v2-7ebf99e0.pth", "zip", 224),
    "mobilenet_v3_small": ("mobilenet_v3_small-047dcff4.pth", "zip", 224),
    "mobilenet_v3_large": ("mobilenet_v3_large-5c1a4163.pth", "zip", 224),
    "efficientnet_b0": ("efficientnet_b0_rwightman-7f5810bc.pth", "zip", 224),
    "efficientnet_b2": ("efficientnet_b2_rwightman-c35c1473.pth", "zip", 288),
    "efficientnet_b3": ("efficientnet_b3_rwightman-b3899882.pth", "zip", 300),
    "densenet121": ("densenet121-a639ec97.pth", "legacy", 224),
    "convnext_tiny": ("convnext_tiny-983f1562.pth", "zip", 224),
    "shufflenet_v2_x1_0": ("shufflenetv2_x1-5666bf0f80.pth", "legacy", 224),
}

NORMS = (torch.nn.BatchNorm2d, torch.nn.LayerNorm, torch.nn.GroupNorm)


def seeded_model(model_id, seed):
    """torchvision's architecture with weights that exercise every parameter: torchvision's init leaves norm
    scales at 1, biases and ConvNeXt's layer_scale near 0, so a loader that swapped them would go unnoticed."""
    torch.manual_seed(seed)
    model = torchvision.models.get_model(model_id, weights=None)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, NORMS) and getattr(module, "weight", None) is not None:
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.1)
            elif getattr(module, "bias", None) is not None and isinstance(module.bias, torch.Tensor):
                module.bias.normal_(0.0, 0.05)
        for name, param in model.named_parameters():
            if name.endswith("layer_scale"):
                param.uniform_(0.1, 0.5)
    # Realistic running statistics: a few training-mode passes with a cumulative average, so activations stay
    # in a sane range through the depth of the network and the running stats differ from their defaults.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, 128, 128))
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = 0.1
    model.eval()
    return model


def legacy_densenet_keys(state_dict):
    """The official densenet121 file predates torchvision's rename of `norm.1` to `norm1` (and conv, relu)."""
    pattern = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))((?:[12])\.(?:weight|bias|running_mean|running_var))$")
    renamed = type(state_dict)()
    for key, value in state_dict.items():
        match = pattern.match(key)
        renamed[match.group(1) + "." + match.group(2) if match else key] = value
    return renamed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    # The C++ tests run with two intra-op threads (OMP_NUM_THREADS=2 in ctest); float32 reductions split the same
    # way give the same bits.
    torch.set_num_threads(2)

    for index, model_id in enumerate(args.models):
        file_name, serialization, size = MODELS[model_id]
        model = seeded_model(model_id, seed=1000 + index)
        state_dict = model.state_dict()
        saved = legacy_densenet_keys(state_dict) if model_id == "densenet121" else state_dict
        torch.save(saved, os.path.join(args.out, file_name),
                   _use_new_zipfile_serialization=(serialization == "zip"))

        torch.manual_seed(7 + index)
        batch = torch.randn(2, 3, size, size)
        with torch.no_grad():
            logits = model(batch)
        batch.numpy().astype("<f4").tofile(os.path.join(args.out, model_id + ".input.f32"))
        logits.numpy().astype("<f4").tofile(os.path.join(args.out, model_id + ".logits.f32"))

        manifest = {
            "id": model_id,
            "weights": file_name,
            "serialization": serialization,
            "input": model_id + ".input.f32",
            "input_shape": list(batch.shape),
            "logits": model_id + ".logits.f32",
            "logits_shape": list(logits.shape),
            # torchvision's own state_dict names (densenet121's current names, not the file's legacy ones).
            "state_dict": [[k, list(v.shape)] for k, v in state_dict.items()],
        }
        with open(os.path.join(args.out, model_id + ".json"), "w") as f:
            json.dump(manifest, f, indent=1)
        print(f"{model_id}: {file_name} ({serialization}), logits range "
              f"[{logits.min().item():.3f}, {logits.max().item():.3f}]", flush=True)


if __name__ == "__main__":
    main()
