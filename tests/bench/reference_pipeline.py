#!/usr/bin/python3
"""The Python pipeline ConvLens replaces, timed phase by phase (issue 12): per image PIL open/convert,
torchvision's transforms for the model, one forward pass with a forward hook on every tap the registry lists,
each tap's 16 strongest channels saved as PNG tiles, the top-5, and Grad-CAM of the top-3 classes at the model's
cam_target with one full backward pass per class (as pytorch-grad-cam does), the map upsampled to the crop and
min-max normalised.

Same inputs as convlens_bench's analysis benchmarks (tests/bench/benchsupport.h): the seeded fixture checkpoints
in torchvision's file names, scikit-image's photos, the same intra-op thread count. Prints one JSON object: per
model the median over --repetitions of each phase's mean time per image (milliseconds), with the spread
((max - min) / median) and the raw values. Run by tests/bench/run.sh; no test imports it.

  reference_pipeline.py --weights-dir BUILD/fixtures/models [--models resnet18,...] [--threads 2]
                        [--repetitions 5] [--photos a.png:b.png] [--registry model_registry.yaml]
  reference_pipeline.py --selftest      one repetition of resnet18 (about 10 s)
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy
import torch
import torchvision
import yaml
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"
DEFAULT_PHOTOS = [os.path.join(SKIMAGE_DATA, name) for name in ("chelsea.png", "coffee.png", "astronaut.png")]
DEFAULT_MODELS = ["resnet18", "resnet50", "mobilenet_v3_large", "convnext_tiny", "efficientnet_b3"]
TILES = 16
TOP_K = 5
EXPLAINED = 3
INTERPOLATION = {
    "nearest": transforms.InterpolationMode.NEAREST,
    "bilinear": transforms.InterpolationMode.BILINEAR,
    "bicubic": transforms.InterpolationMode.BICUBIC,
}


def now():
    return time.perf_counter()


def load_specs(path):
    with open(path) as f:
        registry = yaml.safe_load(f)
    return {entry["id"]: entry for entry in registry["models"]}


def load_model(spec, weights_dir):
    """What a script does: build torchvision's network, read the checkpoint, apply it."""
    model = torchvision.models.get_model(spec["architecture"], weights=None, num_classes=spec["num_classes"])
    state = torch.load(os.path.join(weights_dir, spec["weights"]["file"]), map_location="cpu")
    model.load_state_dict(state)
    return model.eval()


def transform_of(spec):
    p = spec["preprocess"]
    return transforms.Compose([
        transforms.Resize(p["resize"], interpolation=INTERPOLATION[p["interpolation"]]),
        transforms.CenterCrop(p["crop"]),
        transforms.ToTensor(),
        transforms.Normalize(p["mean"], p["std"]),
    ])


def save_tiles(name, output, folder):
    """The 16 channels with the largest mean, each min-max scaled to 8 bits, as PNG files."""
    maps = output[0]
    means = maps.mean(dim=(1, 2))
    for rank, channel in enumerate(torch.argsort(means, descending=True)[:TILES].tolist()):
        tile = maps[channel]
        low, high = tile.min(), tile.max()
        scaled = ((tile - low) / (high - low) * 255.0) if high > low else torch.zeros_like(tile)
        Image.fromarray(scaled.to(torch.uint8).numpy(), mode="L").save(
            os.path.join(folder, "%s_%02d_c%d.png" % (name, rank, channel)))


def analyse(model, spec, transform, path, folder):
    """One image through the whole pipeline; the seconds each phase took."""
    t = {}
    start = now()
    image = Image.open(path).convert("RGB")
    t["decode"] = now() - start

    start = now()
    x = transform(image).unsqueeze(0)
    t["preprocess"] = now() - start

    # Forward with a hook on every tap; the CAM target's activation keeps its gradient (pytorch-grad-cam's
    # ActivationsAndGradients).
    start = now()
    outputs = {}
    cam = {}
    handles = []
    for tap in spec["taps"]:
        def record(module, inputs, output, tap=tap):
            outputs[tap] = output.detach()
        handles.append(model.get_submodule(tap).register_forward_hook(record))

    def keep_cam(module, inputs, output):
        cam["activation"] = output
        output.register_hook(lambda grad: cam.__setitem__("gradient", grad))
    handles.append(model.get_submodule(spec["cam_target"]).register_forward_hook(keep_cam))
    logits = model(x)
    for handle in handles:
        handle.remove()
    probabilities = torch.softmax(logits.detach(), dim=1)[0]
    top = torch.topk(probabilities, TOP_K)
    t["forward"] = now() - start

    start = now()
    for tap, output in outputs.items():
        save_tiles(tap.replace(".", "_"), output, folder)
    t["tiles"] = now() - start

    start = now()
    size = x.shape[-1]
    heatmaps = []
    for index in top.indices[:EXPLAINED].tolist():
        model.zero_grad()
        logits[0, index].backward(retain_graph=True)
        activation = cam["activation"].detach()[0]
        weights = cam["gradient"][0].mean(dim=(1, 2))
        grid = torch.relu((weights[:, None, None] * activation).sum(dim=0))
        heatmap = torch.nn.functional.interpolate(grid[None, None], size=(size, size), mode="bilinear",
                                                  align_corners=False)[0, 0]
        low, high = heatmap.min(), heatmap.max()
        heatmaps.append(((heatmap - low) / (high - low + 1e-7)).numpy())
    t["gradcam"] = now() - start
    t["total"] = sum(t.values())
    return t


def bare_forward(model, inputs, batch):
    """The network alone on the photos' preprocessed inputs, seconds per image: batch 1 runs each photo once, a
    larger batch holds the photos in turn. A forward pass's time depends on the values it computes (EfficientNet's
    is ~10 % slower on a photo than on random numbers), so the inputs are the photos the analyses see."""
    with torch.inference_mode():
        if batch == 1:
            model(inputs[-1].unsqueeze(0))  # warm-up
            start = now()
            for x in inputs:
                model(x.unsqueeze(0))
            return (now() - start) / len(inputs)
        x = torch.stack([inputs[i % len(inputs)] for i in range(batch)])
        model(x)  # warm-up
        start = now()
        model(x)
        return (now() - start) / batch


def summary(values):
    values = [v * 1000.0 for v in values]
    median = statistics.median(values)
    return {"median_ms": median, "spread": (max(values) - min(values)) / median if median > 0 else 0.0,
            "runs_ms": values}


def measure(model_id, spec, args, photos):
    result = {"model": model_id}
    loads = []
    model = None
    for _ in range(args.repetitions):
        start = now()
        model = load_model(spec, args.weights_dir)
        loads.append(now() - start)
    result["load"] = summary(loads)

    transform = transform_of(spec)
    per_phase = {}
    with tempfile.TemporaryDirectory(prefix="convlens-reference-") as folder:
        analyse(model, spec, transform, photos[-1], folder)  # warm-up
        for _ in range(args.repetitions):
            sums = {}
            for path in photos:
                for phase, seconds in analyse(model, spec, transform, path, folder).items():
                    sums[phase] = sums.get(phase, 0.0) + seconds
            for phase, seconds in sums.items():
                per_phase.setdefault(phase, []).append(seconds / len(photos))
    for phase, values in per_phase.items():
        result[phase] = summary(values)
    batch = spec.get("batch_size", 8)
    inputs = [transform(Image.open(path).convert("RGB")) for path in photos]
    result["bare_forward_b1"] = summary([bare_forward(model, inputs, 1) for _ in range(args.repetitions)])
    result["bare_forward_best"] = summary([bare_forward(model, inputs, batch) for _ in range(args.repetitions)])
    result["bare_forward_best"]["batch"] = batch
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights-dir", default=os.path.join(ROOT, "build", "release", "fixtures", "models"))
    parser.add_argument("--registry", default=os.path.join(ROOT, "model_registry.yaml"))
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--photos", default=":".join(DEFAULT_PHOTOS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--selftest", action="store_true", help="resnet18, one repetition, checks the output")
    args = parser.parse_args()
    if args.selftest:
        args.models, args.repetitions = "resnet18", 1

    torch.set_num_threads(args.threads)
    specs = load_specs(args.registry)
    photos = [p for p in args.photos.split(":") if p]
    report = {
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": numpy.__version__,
        "photos": photos,
        "repetitions": args.repetitions,
        "models": {},
    }
    for model_id in args.models.split(","):
        if model_id not in specs:
            sys.exit("reference_pipeline.py: %s is not in %s" % (model_id, args.registry))
        report["models"][model_id] = measure(model_id, specs[model_id], args, photos)
        print("reference_pipeline.py: %s done" % model_id, file=sys.stderr)
    if args.selftest:
        timings = report["models"]["resnet18"]
        missing = [p for p in ("load", "decode", "preprocess", "forward", "tiles", "gradcam", "total") if
                   not timings.get(p, {}).get("median_ms", 0) > 0]
        if missing:
            sys.exit("reference_pipeline.py --selftest: no time for " + ", ".join(missing))
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
