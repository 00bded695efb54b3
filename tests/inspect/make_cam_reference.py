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
  * Faster Score-CAM: Score-CAM on the 64 channels with the largest standard deviation of their map (tf-keras-vis's
    max_N)
  * Score-CAM: UpsamplingBilinear2d (align_corners=True), batches of --scorecam-batch, softmax of the class logits
  * faithfulness: CamMultImageConfidenceChange with the softmax probability of the class as target
  * eigen_smooth: get_2d_projection (the EigenCAM formula) of each class's weighted activations instead of their sum
  * aug_smooth: pytorch-grad-cam's forward_augmentation_smoothing with ttach's HorizontalFlip and
    Multiply([0.9, 1, 1.1]): each augmented image's heatmap (min-max, resized), flipped back, averaged; the
    reference scales each map once (pytorch-grad-cam twice, the second time by 1 / (1e-7 + max), a 1e-7 change)
  * Occlusion: Captum's Occlusion with a square window over the three channels, baseline 0, ceil((S - w) / s) + 1
    positions per axis (the last clipped), the logit drop averaged over the windows covering each pixel; one
    forward pass per window here
  * Integrated Gradients: baseline black ((0 - mean) / std), blurred (scipy.ndimage.gaussian_filter, sigma 16,
    mode "reflect", truncate 3, per channel of the normalised input) or mean (0); the case's steps
  * ROAD: pytorch-grad-cam's ROADMostRelevantFirst / ROADLeastRelevantFirst at percentiles 10..90 with
    ClassifierOutputSoftmaxTarget, NoisyLinearImputer's system written here (scipy's spsolve), its noise 0.01 x
    torch.randn([C, removed], generator seeded 2 * percentile index + (0 most, 1 least relevant first))
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

METHODS = ["gradcam", "gradcampp", "xgradcam", "layercam", "hirescam", "eigencam", "scorecam", "fasterscorecam"]
FASTER_SCORECAM_CHANNELS = 64
GUIDED_METHODS = ["guided", "guidedgradcam"]
# Captum's input-gradient attributions, written here from their formulas (one backward pass per point, no batching).
INPUT_METHODS = ["gradinput", "integratedgradients"]
# Methods whose map is at the crop's resolution without an image of its own (their grids go to a file).
INPUT_MAP_METHODS = ["occlusion"]
# The C++ MethodOptions' defaults; a case's "options" (last element) override them.
DEFAULT_OPTIONS = {"aug_smooth": False, "eigen_smooth": False, "ig_steps": 32, "ig_baseline": "black",
                   "occlusion_window": 32, "occlusion_stride": 16, "road": False}
ROAD_PERCENTILES = [10, 20, 30, 40, 50, 60, 70, 80, 90]
ROAD_NOISE = 0.01
BLUR_SIGMA = 16.0
# case: (model, CAM layer as the test names it, its torchvision module, K, stats tap, methods[, options])
CASES = {
    "resnet18": ("resnet18", "layer4", "layer4.1", 3, "layer2.0",
                 METHODS + GUIDED_METHODS + INPUT_METHODS + INPUT_MAP_METHODS,
                 {"occlusion_window": 48, "occlusion_stride": 40}),
    # A stage name, mid-network; Grad-CAM++ is ill-conditioned here (see the C++ test).
    "mobilenet_v3_large": ("mobilenet_v3_large", "stage5", "features.12", 3, None,
                           METHODS + INPUT_METHODS + INPUT_MAP_METHODS,
                           {"ig_baseline": "blurred", "ig_steps": 16, "occlusion_window": 64,
                            "occlusion_stride": 56}),
    # pytorch-grad-cam's smoothing options on both models; Integrated Gradients from the mean image.
    "resnet18.eigen_smooth": ("resnet18", "layer4", "layer4.1", 2, None,
                              ["gradcam", "gradcampp", "xgradcam", "layercam", "hirescam"], {"eigen_smooth": True}),
    "resnet18.aug_smooth": ("resnet18", "layer4", "layer4.1", 2, None, ["gradcam", "eigencam",
                                                                          "integratedgradients"],
                            {"aug_smooth": True, "ig_baseline": "mean", "ig_steps": 8}),
    "mobilenet_v3_large.smooth": ("mobilenet_v3_large", "features.16", "features.16", 2, None,
                                  ["gradcam", "layercam"], {"aug_smooth": True, "eigen_smooth": True}),
    # ROAD on both models, for the top class (scipy's sparse solver takes seconds per imputation: 18 per map).
    "resnet18.road": ("resnet18", "layer4", "layer4.1", 1, None, ["gradcam"], {"road": True}),
    "mobilenet_v3_large.road": ("mobilenet_v3_large", "features.16", "features.16", 1, None, ["layercam"],
                                {"road": True}),
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


def projection_2d(a):
    """pytorch-grad-cam's get_2d_projection of one [C,h,w] tensor (torch.linalg.svd, as the EigenCAM reference)."""
    a = torch.nan_to_num(a)
    m = a.reshape(a.shape[0], -1).T
    m = m - m.mean(0)
    _, _, vt = torch.linalg.svd(m, full_matrices=False)
    return (m @ vt[0, :]).reshape(a.shape[1:])


def channel_sum(weighted, eigen_smooth):
    """pytorch-grad-cam's get_cam_image: the weighted activations [K,C,h,w] summed over the channels, or with
    eigen_smooth each class's first principal component."""
    if eigen_smooth:
        return torch.stack([projection_2d(w) for w in weighted])
    return weighted.sum(1)


def weighted_sum(weights, acts, eigen_smooth=False):
    return channel_sum(weights[:, :, None, None] * acts, eigen_smooth)


def cam_grids(method, acts, grads, model, x, classes, batch, eigen_smooth=False):
    """Raw maps [K,h,w] before ReLU. acts [1,C,h,w], grads [K,C,h,w]."""
    if method == "gradcam":
        return weighted_sum(grads.mean((2, 3)), acts, eigen_smooth)
    if method == "gradcampp":
        g2 = grads ** 2
        g3 = g2 * grads
        sum_acts = acts.sum((2, 3))[:, :, None, None]
        aij = g2 / (2 * g2 + sum_acts * g3 + 0.000001)
        aij = torch.where(grads != 0, aij, torch.zeros_like(aij))
        return weighted_sum((torch.clamp(grads, min=0) * aij).sum((2, 3)), acts, eigen_smooth)
    if method == "xgradcam":
        sum_acts = acts.sum((2, 3))[:, :, None, None]
        return weighted_sum((grads * acts / (sum_acts + 1e-7)).sum((2, 3)), acts, eigen_smooth)
    if method == "layercam":
        return channel_sum(torch.clamp(grads, min=0) * acts, eigen_smooth)
    if method == "hirescam":
        return channel_sum(grads * acts, eigen_smooth)
    if method == "eigencam":
        a = torch.nan_to_num(acts[0])
        m = a.reshape(a.shape[0], -1).T
        m = m - m.mean(0)
        _, _, vt = torch.linalg.svd(m, full_matrices=False)
        proj = (m @ vt[0, :]).reshape(a.shape[1:])
        return proj[None].repeat(len(classes), 1, 1)
    if method == "fasterscorecam":
        # tf-keras-vis's max_N (Faster Score-CAM): Score-CAM on the channels whose maps have the largest
        # population standard deviation.
        if acts.shape[1] > FASTER_SCORECAM_CHANNELS:
            spread = acts[0].flatten(1).std(1, unbiased=False)
            acts = acts.index_select(1, spread.topk(FASTER_SCORECAM_CHANNELS).indices)
        method = "scorecam"
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
        return weighted_sum(weights, acts, eigen_smooth)
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


def ig_baseline(x, name, spec):
    """The path's start [1,3,S,S]: the black image, the blurred image or the mean image (0)."""
    if name == "black":
        mean = torch.tensor(spec["mean"], dtype=torch.float32)
        std = torch.tensor(spec["std"], dtype=torch.float32)
        return ((0.0 - mean) / std)[None, :, None, None].expand_as(x).clone()
    if name == "blurred":
        return gaussian_blur(x, BLUR_SIGMA)
    assert name == "mean"
    return torch.zeros_like(x)


def reflect_indices(size, radius):
    """scipy.ndimage's mode "reflect" (d c b a | a b c d | d c b a) as indices of an axis widened by radius."""
    out = []
    for i in range(-radius, size + radius):
        j = i
        while j < 0 or j >= size:
            j = -j - 1 if j < 0 else 2 * size - j - 1
        out.append(j)
    return torch.tensor(out)


def gaussian_blur(x, sigma):
    """The blurred baseline in float32 as the C++ side computes it (separable, radius int(3 sigma + 0.5)), checked
    against scipy.ndimage.gaussian_filter (float64) here: the path's points must be the same floats on both sides,
    because near the baseline a ReLU's kink turns a 1e-6 difference in the input into a different gradient."""
    from scipy import ndimage
    radius = int(3 * sigma + 0.5)
    k = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float64) / sigma) ** 2)
    k = (k / k.sum()).float()
    c = x.shape[1]
    out = x.index_select(2, reflect_indices(x.shape[2], radius))
    out = F.conv2d(out, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    out = out.index_select(3, reflect_indices(x.shape[3], radius))
    out = F.conv2d(out, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    scipy_blur = np.stack([ndimage.gaussian_filter(p.astype(np.float64), sigma, mode="reflect", truncate=3.0)
                           for p in x[0].numpy()])
    assert np.abs(out[0].numpy() - scipy_blur).max() < 1e-5 * max(1.0, np.abs(scipy_blur).max()), \
        "the blur is not scipy's Gaussian filter"
    return out


def integrated_gradients(model, x, classes, baseline, steps):
    """(x - x') times the trapezoidal mean of the gradients at x' + alpha (x - x'), alpha = 0 .. 1 (Sundararajan
    et al.). The path's points of one class go through the network in batches of 32, as the C++ analysis does with
    its default batch: near the baseline the ReLUs sit at their kinks, where a convolution's rounding (which depends
    on the batch size) flips gradients, so only the same batching compares to 1e-4."""
    alphas = torch.linspace(0.0, 1.0, steps)
    weights = torch.full((steps,), 1.0 / (steps - 1))
    weights[0] = weights[-1] = 0.5 / (steps - 1)
    path = x - baseline
    # The C++ side batches the points of all classes together, 32 at a time: the same rows here.
    points = [(c, i) for c in range(len(classes)) for i in range(steps)]
    grads = {}
    for first in range(0, len(points), 32):
        chunk = points[first:first + 32]
        with torch.enable_grad():
            leaf = torch.cat([baseline + alphas[i] * path for _, i in chunk]).requires_grad_(True)
            out = model(leaf)
            torch.stack([out[r, classes[c]] for r, (c, _) in enumerate(chunk)]).sum().backward()
        for r, key in enumerate(chunk):
            grads[key] = leaf.grad[r]
    out = []
    for c in range(len(classes)):
        total = torch.zeros_like(x[0])
        for i in range(steps):  # in order, as the C++ sum
            total += weights[i].item() * grads[(c, i)]
        out.append(path[0] * total)
    return torch.stack(out)


def convergence_deltas(model, x, classes, attributions, baseline):
    """Captum's delta: the attributions' sum minus F(x) - F(baseline), per class."""
    with torch.no_grad():
        change = model(x)[0] - model(baseline)[0]
    return [attributions[i].sum().item() - change[c].item() for i, c in enumerate(classes)]


def occlusion(model, x, classes, window, stride):
    """Captum's Occlusion: per pixel, the mean over the windows covering it of logit(x) - logit(x occluded)."""
    size = x.shape[-1]
    shifts = (size - window + stride - 1) // stride + 1 if size > window else 1
    starts = [i * stride for i in range(shifts)]
    with torch.no_grad():
        reference = model(x)[0, classes]
        total = torch.zeros(len(classes), size, size)
        count = torch.zeros(size, size)
        for y in starts:
            for x0 in starts:
                occluded = x.clone()
                occluded[:, :, y:y + window, x0:x0 + window] = 0
                drop = reference - model(occluded)[0, classes]
                total[:, y:y + window, x0:x0 + window] += drop[:, None, None]
                count[y:y + window, x0:x0 + window] += 1
    return total / count


NEIGHBOURS = [((dy, dx), 1 / 6 if dy == 0 or dx == 0 else 1 / 12)
              for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def linear_imputation(img, keep, noise, seed):
    """ROAD's noisy linear imputation: every pixel not kept is the weighted mean of its in-image neighbours (the
    sparse system solved by scipy), plus noise * randn([C, removed]) from a generator seeded `seed`."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve
    c, h, w = img.shape
    removed = np.flatnonzero(~keep.numpy().astype(bool).reshape(-1))
    n = len(removed)
    if n == 0:
        return img.clone()
    number = -np.ones(h * w, dtype=np.int64)
    number[removed] = np.arange(n)
    ys, xs = np.divmod(removed, w)
    flat = img.reshape(c, -1).numpy().astype(np.float64)
    diagonal = np.zeros(n)
    b = np.zeros((n, c))
    rows, cols, values = [], [], []
    anchored = False
    for (dy, dx), weight in NEIGHBOURS:
        ny, nx = ys + dy, xs + dx
        inside = np.flatnonzero((ny >= 0) & (ny < h) & (nx >= 0) & (nx < w))
        j = ny[inside] * w + nx[inside]
        diagonal[inside] += weight
        unknown = number[j] >= 0
        rows.append(inside[unknown])
        cols.append(number[j[unknown]])
        values.append(np.full(int(unknown.sum()), -weight))
        known = ~unknown
        b[inside[known]] += weight * flat[:, j[known]].T  # one neighbour per row and offset: no repeats
        anchored |= bool(known.any())
    rows.append(np.arange(n))
    cols.append(np.arange(n))
    values.append(diagonal)
    a = coo_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)).tocsc()
    solution = spsolve(a, b) if anchored else np.zeros((n, c))
    solution = np.asarray(solution).reshape(n, c)
    draws = torch.randn((c, n), generator=torch.Generator().manual_seed(seed))
    out = img.clone().reshape(c, -1)
    out[:, removed] = torch.from_numpy(solution.T.astype(np.float32)) + noise * draws
    return out.reshape(c, h, w)


def road_keep(cam, percentile, most_relevant_first):
    """RemoveMostRelevantFirst / RemoveLeastRelevantFirst: the pixels kept (map below its percentile)."""
    m = cam if most_relevant_first else 1 - cam
    threshold = np.percentile(m.numpy(), percentile)
    return m < threshold


def road_scores(model, x, heatmaps, classes, probs):
    """Per map: the softmax probability change after imputing (most / least relevant first) at each percentile."""
    out = []
    for cam, c in zip(heatmaps, classes):
        scores = {"morf": [], "lerf": []}
        for p_index, p in enumerate(ROAD_PERCENTILES):
            for most, key in ((True, "morf"), (False, "lerf")):
                imputed = linear_imputation(x[0], road_keep(cam, p, most), ROAD_NOISE, 2 * p_index + (0 if most else 1))
                with torch.no_grad():
                    after = torch.softmax(model(imputed[None]), 1)[0, c].item()
                scores[key].append(after - probs[c].item())
        scores["combined"] = (np.mean(scores["lerf"]) - np.mean(scores["morf"])) / 2
        out.append(scores)
    return out


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

    for case, (model_id, cam_layer, module_name, k, stats_tap, methods, *rest) in CASES.items():
        options = dict(DEFAULT_OPTIONS, **(rest[0] if rest else {}))
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

        def gradients_at(inputs):
            """One full forward and backward per class: the plain way the batched C++ pass must equal."""
            grads = []
            for c in classes:
                out = model(inputs)
                out[0, c].backward()
                grads.append(captured["cam"].grad.detach()[0])
            with torch.no_grad():
                model(inputs)
            return captured["cam"].detach(), torch.stack(grads)

        acts, grads = gradients_at(x)
        # The exact tensors the maps below are computed from, so the C++ methods can be checked on the same input.
        acts.numpy().astype("<f4").tofile(os.path.join(args.out, case + ".acts.f32"))
        grads.numpy().astype("<f4").tofile(os.path.join(args.out, case + ".grads.f32"))
        size = x.shape[-1]
        eigen = options["eigen_smooth"]

        def aug_smoothed(method):
            """pytorch-grad-cam's aug_smooth: the heatmaps of the flipped and scaled images, flipped back, averaged."""
            total = 0
            hook = target.register_forward_hook(capture("cam"))
            for flip in (False, True):
                for factor in (0.9, 1.0, 1.1):
                    xa = (x.flip(-1) if flip else x) * factor
                    acts_a, grads_a = gradients_at(xa)
                    with torch.no_grad():
                        grids_a = torch.relu(cam_grids(method, acts_a, grads_a, model, xa, classes,
                                                       args.scorecam_batch, eigen))
                    heat = torch.stack([heatmap(g, size) for g in grids_a])
                    total = total + (heat.flip(-1) if flip else heat)
            hook.remove()
            return total / 6

        for h in handles:
            h.remove()

        result = {"id": case, "model": model_id, "cam_layer": cam_layer, "cam_block": module_name,
                  "methods": methods, "classes": classes, "probabilities": top.values.tolist(),
                  "logits": logits.tolist(), "grid_shape": list(acts.shape[2:]), "acts_shape": list(acts.shape),
                  "grads_shape": list(grads.shape), "crop": x.shape[-1], "options": options, "cams": {}}
        gb = guided_backprop(guided_model(model), x, classes) if set(methods) & set(GUIDED_METHODS) else None
        baseline = ig_baseline(x, options["ig_baseline"], spec)
        for method in methods:
            images = None
            at_input = False  # a map at the crop's resolution without an image (grids to a file)
            if method == "guided":
                images = gb
            elif method == "gradinput":
                images = gradient_times_input(model, x, classes)
            elif method == "integratedgradients":
                images = integrated_gradients(model, x, classes, baseline, options["ig_steps"])
            elif method == "guidedgradcam":
                with torch.no_grad():
                    masks = [heatmap(g, size) for g in torch.relu(cam_grids("gradcam", acts, grads, model, x,
                                                                            classes, args.scorecam_batch, eigen))]
                images = torch.stack(masks)[:, None] * gb
            if images is not None:
                grids = images.abs().amax(1)
            elif method == "occlusion":
                grids = torch.relu(occlusion(model, x, classes, options["occlusion_window"],
                                             options["occlusion_stride"]))
                at_input = True
            elif options["aug_smooth"]:
                grids = aug_smoothed(method)
                at_input = True
            else:
                with torch.no_grad():
                    grids = torch.relu(cam_grids(method, acts, grads, model, x, classes, args.scorecam_batch, eigen))
            maps = grids if at_input and method != "occlusion" else torch.stack([heatmap(g, size) for g in grids])
            with torch.no_grad():
                masked_probs = torch.softmax(model(torch.stack([x[0] * m for m in maps])), 1)
            faith = []
            for i, c in enumerate(classes):
                conf, masked = probs[c].item(), masked_probs[i, c].item()
                faith.append({"confidence": conf, "masked": masked, "drop": max(0.0, conf - masked),
                              "increase": 1.0 if masked - conf > 0 else 0.0})
            entry_out = {"faithfulness": faith}
            if options["road"]:
                entry_out["road"] = road_scores(model, x, maps, classes, probs)
                # One imputation on its own, for the formula's test: class 0's map, 30th percentile, most relevant
                # first, with noise.
                keep = road_keep(maps[0], 30, True)
                imputed = linear_imputation(x[0], keep, ROAD_NOISE, 5)
                prefix = case + "." + method
                maps[0].numpy().astype("<f4").tofile(os.path.join(args.out, prefix + ".roadmap.f32"))
                imputed.numpy().astype("<f4").tofile(os.path.join(args.out, prefix + ".imputed.f32"))
                entry_out["road_map_file"] = prefix + ".roadmap.f32"
                entry_out["imputed_file"] = prefix + ".imputed.f32"
                entry_out["imputed_kept"] = int(keep.sum().item())
            result["cams"][method] = entry_out
            prefix = case + "." + method
            if images is None and not at_input:
                entry_out["grids"] = grids.reshape(len(classes), -1).tolist()
                continue
            grids.numpy().astype("<f4").tofile(os.path.join(args.out, prefix + ".grids.f32"))
            entry_out["grids_file"] = prefix + ".grids.f32"
            if images is None:
                continue
            images.numpy().astype("<f4").tofile(os.path.join(args.out, prefix + ".images.f32"))
            deprocess_image(images[0].permute(1, 2, 0).numpy()).tofile(os.path.join(args.out, prefix + ".display.u8"))
            entry_out["images_file"] = prefix + ".images.f32"
            entry_out["display_file"] = prefix + ".display.u8"
            if method == "integratedgradients":
                entry_out["deltas"] = convergence_deltas(model, x, classes, images, baseline)
        if tap is not None:
            result["stats_tap"] = stats_tap
            result["stats"] = layer_stats(tap.detach()[0])
        with open(os.path.join(args.out, case + ".json"), "w") as f:
            json.dump(result, f)
        print(f"{case}: classes {classes}, CAM grid {result['grid_shape']}, methods {methods}", flush=True)


if __name__ == "__main__":
    main()
