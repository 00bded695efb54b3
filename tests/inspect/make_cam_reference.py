#!/usr/bin/env python3
"""Writes the Analyzer's reference: class activation maps, guided backprop, layer statistics and faithfulness for
several cases (a model and a CAM layer), computed in PyTorch straight from the formulas pytorch-grad-cam documents
(written here, not imported), on the seeded weights of the `models` fixture.

Test-time only. Layout under --out, per case:
  image.png              the test image (seeded noise over smooth gradients, 300 x 260)
  <case>.input.f32       the normalised input the model sees, float32 [1,3,S,S] (torchvision's transforms)
  <case>.acts.f32        the CAM layer's output [1,C,h,w]; <case>.grads.f32 the K class gradients [K,C,h,w]
  <case>.json            model, top-K classes, logits, per-method raw CAM grids (after ReLU) and faithfulness,
                         and for resnet18 the statistics of one tap
  <case>.<method>.images.f32   guided methods: the explanation images [K,3,S,S];
  <case>.<method>.grids.f32    their maps (saliency max_c |image|) [K,S,S];
  <case>.<method>.display.u8   class 0's image through pytorch-grad-cam's deprocess_image, uint8 [S,S,3]

Conventions shared with the C++ Analyzer (core/inspect):
  * gradients: one backward pass per class (the C++ side uses one batched pass for all K; the test compares)
  * heatmap = (cam - min) / (1e-7 + max(cam - min)), then bilinear resize to the crop with align_corners=False
    (what cv2.resize INTER_LINEAR does when upscaling; pytorch-grad-cam uses cv2.resize)
  * EigenCAM: torch.linalg.svd(full_matrices=False), sign as LAPACK returns it (pytorch-grad-cam does not fix it)
  * Score-CAM: UpsamplingBilinear2d (align_corners=True), batches of --scorecam-batch, softmax of the class logits
  * faithfulness: CamMultImageConfidenceChange with the softmax probability of the class as target
  * guided backprop: pytorch-grad-cam's GuidedBackpropReLUModel (activation modules swapped for ones with a guided
    backward, one backward pass per class) extended to every activation: the backward of f is f'(x) * max(g, 0)
    with f' written out below (ReLU: x > 0, ReLU6: 0 < x < 6, Hardswish, SiLU, exact GELU); Sigmoid and
    Hardsigmoid keep their plain derivative. Guided Grad-CAM = the Grad-CAM heatmap times the guided gradient.
"""
import argparse
import copy
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
import yaml
from PIL import Image
from torchvision import transforms

METHODS = ["gradcam", "gradcampp", "xgradcam", "layercam", "hirescam", "eigencam", "scorecam"]
GUIDED_METHODS = ["guided", "guidedgradcam"]
# Captum's input-gradient attributions, written here from their formulas (one backward pass per point, no batching).
INPUT_METHODS = ["gradinput", "integratedgradients"]
IG_STEPS = 32  # trapezoidal rule over alpha = 0, 1/31, ..., 1; baseline 0 in the normalised input
# case: (model, CAM layer as the test names it, its torchvision module, K, stats tap, methods)
CASES = {
    "resnet18": ("resnet18", "layer4", "layer4.1", 3, "layer2.0", METHODS + GUIDED_METHODS + INPUT_METHODS),
    # A stage name, mid-network; Grad-CAM++ is ill-conditioned here (see the C++ test).
    "mobilenet_v3_large": ("mobilenet_v3_large", "stage5", "features.12", 3, None, METHODS + INPUT_METHODS),
    # The model's default CAM target (Hardswish output), where Grad-CAM++ is well-conditioned; ReLU and Hardswish
    # for guided backprop.
    "mobilenet_v3_large.features.16": ("mobilenet_v3_large", "features.16", "features.16", 3, None,
                                       ["gradcam", "gradcampp"] + GUIDED_METHODS),
    # Guided backprop through ReLU6, SiLU (with sigmoid gates) and GELU networks.
    "mobilenet_v2": ("mobilenet_v2", "features.18", "features.18", 2, None, ["guided"]),
    "efficientnet_b0": ("efficientnet_b0", "features.8", "features.8", 2, None, ["guided"]),
    "convnext_tiny": ("convnext_tiny", "features.7.2", "features.7.2", 2, None, ["guided"]),
}
HIST_BINS = 64
TILES = 16


def test_image():
    rng = np.random.default_rng(1234)
    h, w = 260, 300
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([128 + 100 * np.sin(x / 23.0), 128 + 100 * np.cos(y / 17.0),
                     128 + 80 * np.sin((x + y) / 31.0)], axis=-1)
    noisy = base + rng.normal(0, 30, size=base.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def transform(spec):
    interp = {"bilinear": transforms.InterpolationMode.BILINEAR,
              "bicubic": transforms.InterpolationMode.BICUBIC}[spec["interpolation"]]
    return transforms.Compose([transforms.Resize(spec["resize"], interpolation=interp),
                               transforms.CenterCrop(spec["crop"]), transforms.ToTensor(),
                               transforms.Normalize(spec["mean"], spec["std"])])


def weighted_sum(weights, acts):
    return (weights[:, :, None, None] * acts).sum(1)


def cam_grids(method, acts, grads, model, x, classes, batch):
    """Raw maps [K,h,w] before ReLU. acts [1,C,h,w], grads [K,C,h,w]."""
    if method == "gradcam":
        return weighted_sum(grads.mean((2, 3)), acts)
    if method == "gradcampp":
        g2 = grads ** 2
        g3 = g2 * grads
        sum_acts = acts.sum((2, 3))[:, :, None, None]
        aij = g2 / (2 * g2 + sum_acts * g3 + 0.000001)
        aij = torch.where(grads != 0, aij, torch.zeros_like(aij))
        return weighted_sum((torch.clamp(grads, min=0) * aij).sum((2, 3)), acts)
    if method == "xgradcam":
        sum_acts = acts.sum((2, 3))[:, :, None, None]
        return weighted_sum((grads * acts / (sum_acts + 1e-7)).sum((2, 3)), acts)
    if method == "layercam":
        return (torch.clamp(grads, min=0) * acts).sum(1)
    if method == "hirescam":
        return (grads * acts).sum(1)
    if method == "eigencam":
        a = torch.nan_to_num(acts[0])
        m = a.reshape(a.shape[0], -1).T
        m = m - m.mean(0)
        _, _, vt = torch.linalg.svd(m, full_matrices=False)
        proj = (m @ vt[0, :]).reshape(a.shape[1:])
        return proj[None].repeat(len(classes), 1, 1)
    if method == "scorecam":
        with torch.no_grad():
            up = torch.nn.UpsamplingBilinear2d(size=x.shape[-2:])(acts)
            flat = up.view(1, up.size(1), -1)
            maxs, mins = flat.max(-1)[0][:, :, None, None], flat.min(-1)[0][:, :, None, None]
            up = (up - mins) / (maxs - mins + 1e-8)
            masked = x[:, None] * up[:, :, None]  # [1,C,3,S,S]
            scores = []
            for i in range(0, masked.size(1), batch):
                scores.append(model(masked[0, i:i + batch]))
            logits = torch.cat(scores, 0)  # [C,1000]
            weights = torch.softmax(logits[:, classes].T, dim=-1)  # [K,C]
        return weighted_sum(weights, acts)
    raise ValueError(method)


def _gelu_derivative(x):
    return 0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _silu_derivative(x):
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))


def _hardswish_derivative(x):
    return torch.where(x < -3, torch.zeros_like(x), torch.where(x <= 3, x / 3 + 0.5, torch.ones_like(x)))


# Activation module type: (function, its derivative). Exact types: ReLU6 is a Hardtanh subclass, not a ReLU.
GUIDED_ACTIVATIONS = {
    torch.nn.ReLU: (F.relu, lambda x: (x > 0).to(x.dtype)),
    torch.nn.ReLU6: (F.relu6, lambda x: ((x > 0) & (x < 6)).to(x.dtype)),
    torch.nn.Hardswish: (F.hardswish, _hardswish_derivative),
    torch.nn.SiLU: (F.silu, _silu_derivative),
    torch.nn.GELU: (F.gelu, _gelu_derivative),
}


class GuidedActivationFunction(torch.autograd.Function):
    """pytorch-grad-cam's GuidedBackpropReLU generalised: backward = f'(x) * max(grad, 0)."""

    @staticmethod
    def forward(ctx, x, function, derivative):
        ctx.save_for_backward(x)
        ctx.derivative = derivative
        return function(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return ctx.derivative(x) * grad.clamp(min=0), None, None


class GuidedActivation(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.function, self.derivative = GUIDED_ACTIVATIONS[kind]

    def forward(self, x):
        return GuidedActivationFunction.apply(x, self.function, self.derivative)


def guided_model(model):
    """A copy of `model` with every activation module replaced (pytorch-grad-cam's
    replace_all_layer_type_recursive)."""
    guided = copy.deepcopy(model)

    def replace(module):
        for name, child in module.named_children():
            if type(child) in GUIDED_ACTIVATIONS:
                setattr(module, name, GuidedActivation(type(child)))
            else:
                replace(child)
    replace(guided)
    return guided


def guided_backprop(guided, x, classes):
    """pytorch-grad-cam's GuidedBackpropReLUModel.__call__ per class: [K,3,S,S]."""
    images = []
    for c in classes:
        leaf = x.detach().clone().requires_grad_(True)
        guided(leaf)[0, c].backward()
        images.append(leaf.grad.detach()[0])
    return torch.stack(images)


def input_gradient(model, point, c):
    """d model(point)[c] / d point for one point [3,S,S]."""
    with torch.enable_grad():
        leaf = point[None].clone().requires_grad_(True)
        model(leaf)[0, c].backward()
    return leaf.grad[0].detach()


def gradient_times_input(model, x, classes):
    """Captum's InputXGradient: the input times its gradient, per class."""
    return torch.stack([x[0] * input_gradient(model, x[0], c) for c in classes])


def integrated_gradients(model, x, classes):
    """(x - 0) times the trapezoidal mean of the gradients at alpha * x, alpha = 0 .. 1 (Sundararajan et al.).
    The path's points of one class go through the network as one batch, as the C++ analysis does with its default
    batch of 32: near alpha = 0 the ReLUs sit at their kinks, where a convolution's rounding (which depends on the
    batch size) flips gradients, so only the same batching compares to 1e-4."""
    alphas = torch.linspace(0.0, 1.0, IG_STEPS)
    weights = torch.full((IG_STEPS,), 1.0 / (IG_STEPS - 1))
    weights[0] = weights[-1] = 0.5 / (IG_STEPS - 1)
    out = []
    for c in classes:
        with torch.enable_grad():
            leaf = (alphas[:, None, None, None] * x).requires_grad_(True)
            model(leaf)[:, c].sum().backward()
        total = torch.zeros_like(x[0])
        for i in range(IG_STEPS):  # in order, as the C++ sum
            total += weights[i].item() * leaf.grad[i]
        out.append(x[0] * total)
    return torch.stack(out)


def convergence_deltas(model, x, classes, attributions):
    """Captum's delta: the attributions' sum minus F(x) - F(baseline), per class."""
    with torch.no_grad():
        change = model(x)[0] - model(torch.zeros_like(x))[0]
    return [attributions[i].sum().item() - change[c].item() for i, c in enumerate(classes)]


def deprocess_image(img):
    """pytorch-grad-cam's deprocess_image on an HWC float32 array."""
    img = img - np.mean(img)
    img = img / (np.std(img) + 1e-5)
    img = img * 0.1
    img = img + 0.5
    img = np.clip(img, 0, 1)
    return np.uint8(img * 255)


def heatmap(grid, size):
    m = grid - grid.min()
    m = m / (1e-7 + m.max())
    return F.interpolate(m[None, None], size=(size, size), mode="bilinear", align_corners=False)[0, 0]


def layer_stats(t):
    """t: [C,H,W], one tap's output."""
    flat = t.reshape(t.shape[0], -1)
    mins, maxs = flat.min(1)[0], flat.max(1)[0]
    means = flat.mean(1)
    lo, hi = t.min().item(), t.max().item()
    order = sorted(range(t.shape[0]), key=lambda c: -means[c].item())[:TILES]
    c0 = order[0]
    tile = torch.round((t[c0] - mins[c0]) / (maxs[c0] - mins[c0]) * 255).clamp(0, 255).to(torch.uint8)
    shared = torch.round((t[c0] - lo) / (hi - lo) * 255).clamp(0, 255).to(torch.uint8)
    return {
        "shape": list(t.shape),
        "mean": means.tolist(),
        "max": maxs.tolist(),
        "sparsity": ((flat == 0).float().mean(1)).tolist(),
        "dead": (maxs <= mins).tolist(),
        "layer_sparsity": (t == 0).float().mean().item(),
        "hist_min": lo,
        "hist_max": hi,
        "histogram": torch.histc(t, HIST_BINS, lo, hi).tolist(),
        "tile_order": order,
        "tile0": tile.flatten().tolist(),
        "tile0_shared": shared.flatten().tolist(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models-dir", required=True, help="the `models` fixture folder")
    parser.add_argument("--registry", required=True, help="model_registry.yaml (preprocessing per model)")
    parser.add_argument("--scorecam-batch", type=int, default=32)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)  # as the C++ tests (OMP_NUM_THREADS=2)

    with open(args.registry) as f:
        registry = {m["id"]: m for m in yaml.safe_load(f)["models"]}
    image = test_image()
    image.save(os.path.join(args.out, "image.png"))

    for case, (model_id, cam_layer, module_name, k, stats_tap, methods) in CASES.items():
        entry = registry[model_id]
        spec = entry["preprocess"]
        model = torchvision.models.get_model(model_id, weights=None)
        model.load_state_dict(torch.load(os.path.join(args.models_dir, entry["weights"]["file"])))
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        x = transform(spec)(image)[None]
        x.numpy().astype("<f4").tofile(os.path.join(args.out, case + ".input.f32"))

        captured = {}

        def capture(name):
            def hook(_module, _inputs, output):
                leaf = output.detach().requires_grad_(torch.is_grad_enabled())
                captured[name] = leaf
                return leaf
            return hook

        target = model.get_submodule(module_name)
        handles = [target.register_forward_hook(capture("cam"))]
        if stats_tap:
            handles.append(model.get_submodule(stats_tap).register_forward_hook(capture("tap")))
        with torch.no_grad():
            logits = model(x)[0]
        probs = torch.softmax(logits, 0)
        acts = captured["cam"].detach()
        tap = captured.get("tap")
        top = probs.topk(k)
        classes = top.indices.tolist()

        # One full forward and backward per class: the plain way the batched C++ pass must equal.
        grads = []
        for c in classes:
            out = model(x)
            out[0, c].backward()
            grads.append(captured["cam"].grad.detach()[0])
        grads = torch.stack(grads)
        # The exact tensors the maps below are computed from, so the C++ methods can be checked on the same input.
        acts.numpy().astype("<f4").tofile(os.path.join(args.out, case + ".acts.f32"))
        grads.numpy().astype("<f4").tofile(os.path.join(args.out, case + ".grads.f32"))
        for h in handles:
            h.remove()

        result = {"id": case, "model": model_id, "cam_layer": cam_layer, "cam_block": module_name,
                  "methods": methods, "classes": classes, "probabilities": top.values.tolist(),
                  "logits": logits.tolist(), "grid_shape": list(acts.shape[2:]), "acts_shape": list(acts.shape),
                  "grads_shape": list(grads.shape), "crop": x.shape[-1], "cams": {}}
        size = x.shape[-1]
        gb = guided_backprop(guided_model(model), x, classes) if set(methods) & set(GUIDED_METHODS) else None
        with torch.no_grad():
            for method in methods:
                images = None
                if method == "guided":
                    images = gb
                elif method == "gradinput":
                    images = gradient_times_input(model, x, classes)
                elif method == "integratedgradients":
                    images = integrated_gradients(model, x, classes)
                elif method == "guidedgradcam":
                    masks = [heatmap(g, size) for g in torch.relu(cam_grids("gradcam", acts, grads, model, x,
                                                                            classes, args.scorecam_batch))]
                    images = torch.stack(masks)[:, None] * gb
                if images is None:
                    grids = torch.relu(cam_grids(method, acts, grads, model, x, classes, args.scorecam_batch))
                else:
                    grids = images.abs().amax(1)
                maps = [heatmap(g, size) for g in grids]
                masked_probs = torch.softmax(model(torch.stack([x[0] * m for m in maps])), 1)
                faith = []
                for i, c in enumerate(classes):
                    conf, masked = probs[c].item(), masked_probs[i, c].item()
                    faith.append({"confidence": conf, "masked": masked, "drop": max(0.0, conf - masked),
                                  "increase": 1.0 if masked - conf > 0 else 0.0})
                if images is None:
                    result["cams"][method] = {"grids": grids.reshape(len(classes), -1).tolist(),
                                              "faithfulness": faith}
                    continue
                prefix = case + "." + method
                images.numpy().astype("<f4").tofile(os.path.join(args.out, prefix + ".images.f32"))
                grids.numpy().astype("<f4").tofile(os.path.join(args.out, prefix + ".grids.f32"))
                deprocess_image(images[0].permute(1, 2, 0).numpy()).tofile(
                    os.path.join(args.out, prefix + ".display.u8"))
                result["cams"][method] = {"images_file": prefix + ".images.f32", "grids_file": prefix + ".grids.f32",
                                          "display_file": prefix + ".display.u8", "faithfulness": faith}
                if method == "integratedgradients":
                    result["cams"][method]["deltas"] = convergence_deltas(model, x, classes, images)
        if tap is not None:
            result["stats_tap"] = stats_tap
            result["stats"] = layer_stats(tap.detach()[0])
        with open(os.path.join(args.out, case + ".json"), "w") as f:
            json.dump(result, f)
        print(f"{case}: classes {classes}, CAM grid {result['grid_shape']}, methods {methods}", flush=True)


if __name__ == "__main__":
    main()
