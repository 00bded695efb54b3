#!/usr/bin/env python3
"""End-to-end checks of convlens-cli against torchvision, run by ctest.

Uses the model fixtures (seeded random weights in the official file names): `models` finds them through
CONVLENS_WEIGHTS_DIR, `predict` on a real photo gives torchvision's logits for the same file and weights,
bad inputs give clear messages without losing the results of good ones.
"""
import argparse
import functools
import hashlib
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

import torch
import torchvision
from PIL import Image

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(cli, args, env_extra):
    env = dict(os.environ)
    env.update(env_extra)
    return subprocess.run([cli] + args, capture_output=True, text=True, env=env, timeout=600)


def reference_logits(model_id, weights_path, image_path):
    # The same intra-op thread count as the CLI (--threads 2): float32 sums split differently across threads
    # differ in their last bits, which a 200-wide logit range turns into ~1e-3.
    torch.set_num_threads(2)
    weights = torchvision.models.get_model_weights(model_id).DEFAULT
    model = torchvision.models.get_model(model_id, weights=None)
    model.load_state_dict(torch.load(weights_path))
    model.eval()
    # Registry-independent: the transforms of torchvision's default weights for that file.
    batch = weights.transforms()(Image.open(image_path).convert("RGB")).unsqueeze(0)
    with torch.no_grad():
        return model(batch)[0]


def check_analyze_cache(cli, photo, env_base):
    """The persistent result cache: a second identical analyze (a new process) is served from the disk cache with
    identical results, a changed option or --no-cache computes again. The cache lives in a test-local
    XDG_CACHE_HOME, never the user's."""
    cache_home = tempfile.mkdtemp(prefix="convlens-cache-")
    work = tempfile.mkdtemp(prefix="convlens-cache-out-")
    env = dict(env_base, XDG_CACHE_HOME=cache_home)

    def analyze(name, extra, env_extra=None):
        out = os.path.join(work, name + ".json")
        result = run(cli, ["analyze", photo, "--model", "resnet18", "--methods", "gradcam,layercam", "--top-k", "2",
                           "--tiles", "3", "--json", out, "--threads", "2"] + extra, dict(env, **(env_extra or {})))
        check(result.returncode == 0, f"analyze ({name}) exits 0 ({result.stderr.strip()[:300]})")
        if result.returncode != 0:
            return None, result
        with open(out) as f:
            return json.load(f)[0], result

    def without_cached(entry):
        return {k: v for k, v in entry.items() if k != "cached"}

    first, _ = analyze("first", [])
    second, result = analyze("second", ["--out", os.path.join(work, "png")])
    if first is None or second is None:
        return
    check(first["cached"] is False, "a first analyze is computed (cached: false)")
    files = [f for _, _, names in os.walk(cache_home) for f in names]
    check(len(files) == 1, f"one cache file under the test's XDG_CACHE_HOME: {files}")
    check(second["cached"] is True, "a second identical analyze is served from the cache (cached: true)")
    check(without_cached(second) == without_cached(first),
          "the cached result is identical (predictions, layers, grids, timings)")
    check([c["grid"] for c in second["cams"]] == [c["grid"] for c in first["cams"]] and len(second["cams"]) == 4,
          "identical CAM grids from the cache")
    check("from the result cache" in result.stdout, "the text output says the result came from the cache")
    folder = os.path.join(work, "png", "chelsea")
    check(os.path.isfile(os.path.join(folder, "input.png")) and
          os.path.isfile(os.path.join(folder, "cam_layercam_%d.png" % second["cams"][0]["class_index"])),
          "--out writes the images of a cached result")

    changed, _ = analyze("changed", ["--top-k", "1"])
    check(changed is not None and changed["cached"] is False and len(changed["cams"]) == 2,
          "a changed option misses the cache")
    for name, extra, env_extra in (("no-cache", ["--no-cache"], None), ("disabled", [], {"CACHE_ENABLED": "0"})):
        entry, _ = analyze(name, extra, env_extra)
        check(entry is not None and entry["cached"] is False and entry["cams"] == first["cams"],
              f"{name}: computed again, same grids")
    files = [f for _, _, names in os.walk(cache_home) for f in names]
    check(len(files) == 2, f"--no-cache and CACHE_ENABLED=0 write no cache file: {files}")

    # --npy: the raw numbers as NumPy arrays, named in the JSON, equal to the JSON's grids.
    import numpy
    quick_out = os.path.join(work, "npy")
    arrays_entry, result = analyze("npy", ["--out", quick_out, "--npy"])
    if arrays_entry is not None:
        arrays = arrays_entry.get("arrays", [])
        check(len(arrays) >= 3 * len(arrays_entry["cams"]), f"--npy lists its arrays in the JSON: {arrays[:4]}")
        for cam in arrays_entry["cams"]:
            name = os.path.join(quick_out, "chelsea", "cam_%s_%d.npy" % (cam["method"], cam["class_index"]))
            check(name in arrays and os.path.isfile(name), f"{name} is written and named")
            grid = numpy.load(name)
            check(grid.dtype == numpy.float32 and grid.shape == (len(cam["grid"]), len(cam["grid"][0])) and
                  numpy.array_equal(grid, numpy.array(cam["grid"], dtype=numpy.float32)),
                  f"{os.path.basename(name)} holds the JSON's grid ({grid.shape})")
            heat = numpy.load(os.path.join(os.path.dirname(name), "heatmap_" + os.path.basename(name)[len("cam_"):]))
            # Normalised, then upsampled with half-pixel centres: the peak may fall between samples.
            check(heat.shape == (224, 224) and heat.min() >= 0.0 and 0.9 < heat.max() <= 1.0,
                  f"the heatmap is the normalised map at the input's size ({heat.shape}, max {heat.max()})")
        for layer in arrays_entry["layers"]:
            stem = os.path.join(quick_out, "chelsea", "layer_%s_" % layer["name"].replace(".", "_"))
            means = numpy.load(stem + "channel_mean.npy")
            check(means.shape == (layer["shape"][0],) and
                  numpy.allclose(means, layer["stats"]["channel_mean"], rtol=1e-6, atol=1e-6),
                  f"{layer['name']}: the channel means as the JSON has them")
            hist = numpy.load(stem + "histogram.npy")
            check(numpy.array_equal(hist, numpy.array(layer["stats"]["histogram"]["counts"], dtype=numpy.float32)),
                  f"{layer['name']}: the histogram as the JSON has it")
    result = run(cli, ["analyze", photo, "--model", "resnet18", "--npy"], env)
    check(result.returncode == 2 and "--out" in result.stderr, f"--npy without --out is refused: {result.stderr.strip()}")

    # --activations: each layer's whole output as .npy, equal to torchvision's forward hook on the same photo.
    acts_out = os.path.join(work, "acts")
    acts_entry, _ = analyze("activations", ["--out", acts_out, "--npy", "--activations"])
    if acts_entry is not None:
        model = torchvision.models.get_model("resnet18", weights=None)
        model.load_state_dict(torch.load(os.path.join(env["CONVLENS_WEIGHTS_DIR"],
                                                      os.path.basename(acts_entry["weights"]))))
        model.eval()
        torch.set_num_threads(2)
        captured = {}
        for layer in acts_entry["layers"]:
            model.get_submodule(layer["name"]).register_forward_hook(
                lambda _m, _i, out, name=layer["name"]: captured.__setitem__(name, out[0]))
        batch = torchvision.models.ResNet18_Weights.DEFAULT.transforms()(Image.open(photo).convert("RGB"))[None]
        with torch.no_grad():
            model(batch)
        for layer in acts_entry["layers"]:
            name = os.path.join(acts_out, "chelsea", "layer_%s_activations.npy" % layer["name"].replace(".", "_"))
            check(name in acts_entry.get("arrays", []), f"{os.path.basename(name)} is named in the JSON")
            if not os.path.isfile(name):
                continue
            acts = numpy.load(name)
            expected = captured[layer["name"]].numpy()
            check(acts.dtype == numpy.float32 and list(acts.shape) == layer["shape"] and
                  numpy.abs(acts - expected).max() <= 1e-4 * numpy.abs(expected).max(),
                  f"{layer['name']}: the whole output as torchvision's hook has it ({acts.shape})")
    result = run(cli, ["analyze", photo, "--model", "resnet18", "--out", acts_out, "--activations"], env)
    check(result.returncode == 2 and "--npy" in result.stderr,
          f"--activations without --npy is refused: {result.stderr.strip()}")

    # The method options: refused with the option named when out of range; ROAD and Occlusion in the JSON.
    for bad, word in ((["--ig-steps", "1"], "--ig-steps"), (["--ig-baseline", "white"], "--ig-baseline"),
                      (["--occlusion-window", "0"], "--occlusion-window")):
        result = run(cli, ["analyze", photo, "--model", "resnet18"] + bad, env)
        check(result.returncode == 2 and word in result.stderr, f"{' '.join(bad)} is refused: {result.stderr.strip()}")
    result = run(cli, ["analyze", photo, "--model", "resnet18", "--occlusion-window", "500", "--methods", "occlusion"],
                 env)
    check(result.returncode == 1 and "occlusion window" in result.stderr and "224" in result.stderr,
          f"a window larger than the crop is refused, naming the crop: {result.stderr.strip()}")
    road_entry, _ = analyze("road", ["--methods", "gradcam,occlusion", "--road", "--occlusion-window", "112",
                                     "--occlusion-stride", "112", "--top-k", "1"])
    if road_entry is not None:
        cams = {c["method"]: c for c in road_entry["cams"]}
        check(set(cams) == {"gradcam", "occlusion"} and cams["occlusion"]["layer"] == "input" and
              len(cams["occlusion"]["grid"]) == 224,
              "Occlusion's map is at the input's resolution")
        road = cams["gradcam"]["road"]
        check(road["measured"] is True and road["percentiles"] == list(range(10, 100, 10)) and
              len(road["most_relevant_first"]) == 9 and len(road["least_relevant_first"]) == 9 and
              abs(road["combined"] - (sum(road["least_relevant_first"]) / 9 - sum(road["most_relevant_first"]) / 9) / 2)
              < 1e-5,
              f"--road: ROAD per percentile and combined in the JSON ({road['combined']:.4f})")
        check("road" in road_entry["timings_ms"], "a road stage ran")

    # --no-faithfulness: the same maps, nothing measured, and not the faithful analysis's cache entry.
    quick, _ = analyze("no-faithfulness", ["--no-faithfulness"])
    check(quick is not None and quick["cached"] is False, "--no-faithfulness is another analysis (a cache miss)")
    if quick is not None:
        check([c["grid"] for c in quick["cams"]] == [c["grid"] for c in first["cams"]],
              "--no-faithfulness: the same grids")
        check(all(c["faithfulness"]["measured"] is False for c in quick["cams"]) and
              all(c["faithfulness"]["measured"] is True for c in first["cams"]),
              "faithfulness says whether it was measured")
        check("faithfulness" not in quick["timings_ms"], "no faithfulness stage ran")

    # A cache folder that cannot be made (its parent is a file): the analyses succeed and the CLI says once, not
    # per image, that results are kept in memory only.
    blocked = os.path.join(work, "not-a-folder")
    with open(blocked, "w") as f:
        f.write("a file where the cache folder would go\n")
    result = run(cli, ["analyze", photo, photo, "--model", "resnet18", "--methods", "gradcam", "--top-k", "1",
                       "--tiles", "1", "--threads", "2", "--json", "-"], dict(env, XDG_CACHE_HOME=blocked))
    entries = json.loads(result.stdout) if result.returncode == 0 else []
    check(result.returncode == 0 and len(entries) == 2 and entries[1]["cached"] is True,
          f"without a writable cache both analyses succeed, the second from memory ({result.stderr.strip()[:300]})")
    check(result.stderr.count("memory only") == 1 and blocked in result.stderr,
          f"the cache problem is said once, naming the folder: {result.stderr.strip()[:400]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    fixtures = args.fixtures
    photo = os.path.join(args.source, "resources", "samples", "chelsea.jpg")
    empty = tempfile.mkdtemp(prefix="convlens-empty-")
    only_fixtures = {"CONVLENS_WEIGHTS_DIR": fixtures, "TORCH_HOME": empty, "XDG_CACHE_HOME": empty}

    # models: every id listed, weights found in the fixture folder.
    result = run(args.cli, ["models"], only_fixtures)
    check(result.returncode == 0, "models exits 0")
    manifests = sorted(f[:-5] for f in os.listdir(fixtures) if f.endswith(".json"))
    for model_id in manifests:
        with open(os.path.join(fixtures, model_id + ".json")) as f:
            weights_file = json.load(f)["weights"]
        line = next((l for l in result.stdout.splitlines() if l.split()[:1] == [model_id]), "")
        check(os.path.join(fixtures, weights_file) in line, f"models shows where {model_id}'s weights are")

    # predict: torchvision's logits on the same photo and weights, top-K ordered, JSON as documented.
    for model_id in ("resnet18", "efficientnet_b3"):
        with open(os.path.join(fixtures, model_id + ".json")) as f:
            weights_path = os.path.join(fixtures, json.load(f)["weights"])
        out = os.path.join(empty, model_id + ".json")
        result = run(args.cli, ["predict", photo, "--model", model_id, "--top-k", "3", "--json", out,
                                "--full-logits", "--threads", "2"], only_fixtures)
        check(result.returncode == 0, f"predict {model_id} exits 0 ({result.stderr.strip()})")
        if result.returncode != 0:
            continue
        with open(out) as f:
            doc = json.load(f)
        entry = doc[0]
        check(set(entry) == {"image", "sha256", "model", "weights", "predictions", "logits"},
              f"{model_id} JSON fields: {sorted(entry)}")
        with open(photo, "rb") as f:
            check(entry["sha256"] == hashlib.sha256(f.read()).hexdigest(), "sha256 of the image bytes")
        check(entry["weights"] == weights_path, "weights path reported")
        ref = reference_logits(model_id, weights_path, photo)
        got = torch.tensor(entry["logits"])
        diff = (got - ref).abs().max().item()
        check(got.shape == ref.shape and diff <= 1e-4, f"{model_id} logits match torchvision (max diff {diff:.2e})")
        probs = torch.softmax(ref, 0)
        top = probs.topk(3)
        check([p["index"] for p in entry["predictions"]] == top.indices.tolist(), f"{model_id} top-3 classes")
        check(all(abs(p["probability"] - v) < 1e-5 for p, v in zip(entry["predictions"], top.values.tolist())),
              f"{model_id} top-3 probabilities")
        labels = torchvision.models.get_model_weights(model_id).DEFAULT.meta["categories"]
        check([p["label"] for p in entry["predictions"]] == [labels[i] for i in top.indices.tolist()],
              f"{model_id} labels")
        check(entry["predictions"][0]["label"] in result.stdout, "text output shows the top label")

    # A corrupt image fails alone; the good image is still reported, in text and JSON.
    corrupt = os.path.join(empty, "broken.jpg")
    with open(corrupt, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    out = os.path.join(empty, "mixed.json")
    result = run(args.cli, ["predict", corrupt, photo, "--model", "resnet18", "--json", out], only_fixtures)
    check(result.returncode == 1, "a failed image gives exit code 1")
    check("broken.jpg" in result.stderr, f"the error names the corrupt file: {result.stderr.strip()}")
    with open(out) as f:
        doc = json.load(f)
    check(len(doc) == 2 and "error" in doc[0] and doc[1].get("predictions"), "the good image's result is kept")
    # --json - : standard output is the JSON alone (it parses); the readable lines go to standard error.
    result = run(args.cli, ["predict", photo, "--model", "resnet18", "--json", "-"], only_fixtures)
    try:
        piped = json.loads(result.stdout)
    except ValueError:
        piped = None
    check(result.returncode == 0 and isinstance(piped, list) and piped and piped[0].get("predictions"),
          f"--json - writes parseable JSON to stdout: {result.stdout[:200]!r}")
    check("(ResNet-18)" in result.stderr, "--json - keeps the readable lines on stderr")

    # Missing weights: the message names the file, the URL and where it looked.
    result = run(args.cli, ["predict", photo, "--model", "resnet50"],
                 {"CONVLENS_WEIGHTS_DIR": empty, "TORCH_HOME": empty, "XDG_CACHE_HOME": empty})
    check(result.returncode == 2, "missing weights exit 2")
    for needle in ("resnet50-11ad3fa6.pth", "https://download.pytorch.org/models/resnet50-11ad3fa6.pth", empty):
        check(needle in result.stderr, f"missing-weights message mentions {needle}")

    # Weights of another architecture are refused by name.
    with open(os.path.join(fixtures, "resnet50.json")) as f:
        r50 = os.path.join(fixtures, json.load(f)["weights"])
    result = run(args.cli, ["predict", photo, "--model", "resnet18", "--weights", r50], only_fixtures)
    check(result.returncode == 2 and "resnet50-11ad3fa6.pth does not fit resnet18" in result.stderr
          and "unexpected keys (layer1.0.conv3.weight" in result.stderr and "shape mismatch" in result.stderr,
          f"wrong-architecture weights refused: {result.stderr.strip()[:300]}")

    # analyze: the JSON has every documented part, consistent with the network's shapes; --out writes the PNGs.
    out = os.path.join(empty, "analyze.json")
    pngs = os.path.join(empty, "png")
    result = run(args.cli, ["analyze", photo, "--model", "resnet18", "--methods", "gradcam,hirescam", "--top-k", "2",
                            "--tiles", "4", "--json", out, "--out", pngs, "--threads", "2"], only_fixtures)
    check(result.returncode == 0, f"analyze exits 0 ({result.stderr.strip()[:300]})")
    if result.returncode == 0:
        with open(out) as f:
            entry = json.load(f)[0]
        check({"image", "sha256", "model", "weights", "predictions", "layers", "cams", "timings_ms"} <= set(entry),
              f"analyze JSON fields: {sorted(entry)}")
        layers = {layer["name"]: layer for layer in entry["layers"]}
        check("layer4.1" in layers and layers["layer4.1"]["shape"] == [512, 7, 7], "layer4.1 recorded with its shape")
        check(all(len(l["stats"]["channel_mean"]) == l["shape"][0] and len(l["top_channels"]) == 4
                  for l in entry["layers"]), "per-channel statistics and 4 top channels per layer")
        means = layers["layer4.1"]["stats"]["channel_mean"]
        top = [c["channel"] for c in layers["layer4.1"]["top_channels"]]
        check(top == sorted(range(len(means)), key=lambda c: -means[c])[:4], "top channels are the strongest by mean")
        cams = entry["cams"]
        check(len(cams) == 4 and {c["method"] for c in cams} == {"gradcam", "hirescam"}, "2 methods x 2 classes")
        check(all(c["layer"] == "layer4.1" and len(c["grid"]) == 7 and all(len(r) == 7 for r in c["grid"])
                  for c in cams), "CAM grids at layer4.1's 7x7 resolution")
        check([c["class_index"] for c in cams if c["method"] == "gradcam"] ==
              [p["index"] for p in entry["predictions"]], "one map per top-K class")
        folder = os.path.join(pngs, "chelsea")
        expected = ["input.png", "layer_layer4_1.png"] + [f"cam_gradcam_{c['class_index']}.png" for c in cams
                                                          if c["method"] == "gradcam"]
        check(all(os.path.isfile(os.path.join(folder, f)) for f in expected), f"--out wrote {expected}")
    result = run(args.cli, ["analyze", photo, "--model", "resnet18", "--methods", "gradkam"], only_fixtures)
    # An unknown method is a bad option (the method catalogue knows before any model is loaded): exit 2.
    check(result.returncode == 2 and "gradkam" in result.stderr and "guidedgradcam" in result.stderr,
          f"unknown CAM method named with the known ones: {result.stderr[:300]}")

    check_analyze_cache(args.cli, photo, only_fixtures)

    # A checkpoint whose keys hold a terminal escape sequence and a megabyte: the message names the file and the
    # problem, escapes the control characters and stays short.
    hostile = os.path.join(empty, "hostile-keys.pth")
    torch.save({"\x1b]0;owned\x07\x1b[31mred": torch.zeros(1), "k" * (1 << 20): torch.zeros(1)}, hostile)
    result = run(args.cli, ["predict", photo, "--model", "resnet18", "--weights", hostile], only_fixtures)
    check(result.returncode != 0 and "hostile-keys.pth" in result.stderr and "\x1b" not in result.stderr and
          "\\x1b" in result.stderr and len(result.stderr) < 20000,
          f"hostile checkpoint keys reach the terminal escaped and cut ({len(result.stderr)} characters: "
          f"{result.stderr[:200]!r})")

    # weights: list, path, verify (the fixtures carry the official names, not their own hashes), fetch from a
    # loopback mirror refuses the mismatching file and leaves nothing behind.
    result = run(args.cli, ["weights", "list"], only_fixtures)
    check(result.returncode == 0 and os.path.join(fixtures, "resnet18-f37072fd.pth") in result.stdout, "weights list")
    result = run(args.cli, ["weights", "path", "resnet18"], only_fixtures)
    check(result.returncode == 0 and result.stdout.strip() == os.path.join(fixtures, "resnet18-f37072fd.pth"),
          "weights path")
    result = run(args.cli, ["weights", "verify", "resnet18"], only_fixtures)
    check(result.returncode == 1 and "does not start with f37072fd" in result.stdout, "weights verify names the hash")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=fixtures))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = os.path.join(empty, "downloads")
    result = run(args.cli, ["weights", "fetch", "resnet18", "--mirror", f"http://127.0.0.1:{server.server_port}"],
                 {"CONVLENS_WEIGHTS_DIR": target, "TORCH_HOME": empty, "XDG_CACHE_HOME": empty})
    server.shutdown()
    check(result.returncode == 1 and "does not start with f37072fd" in result.stderr, "fetch refuses a wrong hash")
    check(not os.path.exists(target) or os.listdir(target) == [], "a refused download leaves no file")

    # Usage errors.
    result = run(args.cli, ["predict", photo, "--model", "resnet7"], only_fixtures)
    check(result.returncode == 2 and "resnet7" in result.stderr, "unknown model named")
    result = run(args.cli, ["predict", photo, "--model", "resnet18", "--top-k", "zero"], only_fixtures)
    check(result.returncode == 2 and "--top-k" in result.stderr, "bad --top-k named")

    # --device: the CPU by name gives the same logits as the default; an unknown name and a device this build or
    # machine lacks are refused before any work, saying why.
    result = run(args.cli, ["predict", photo, "--model", "resnet18", "--device", "CPU", "--full-logits", "--json", "-"],
                 only_fixtures)
    check(result.returncode == 0, f"--device CPU runs ({result.stderr.strip()[:200]})")
    ref = reference_logits("resnet18", os.path.join(fixtures, "resnet18-f37072fd.pth"), photo)
    check(result.returncode == 0 and (torch.tensor(json.loads(result.stdout)[0]["logits"]) - ref).abs().max() <= 1e-4,
          "--device cpu logits match torchvision")
    result = run(args.cli, ["analyze", photo, "--model", "resnet18", "--device", "gpu"], only_fixtures)
    check(result.returncode == 2 and "unknown device 'gpu'" in result.stderr and "cuda:N" in result.stderr,
          f"an unknown device is refused with the names known: {result.stderr.strip()[:200]}")
    if not torch.cuda.is_available():
        result = run(args.cli, ["predict", photo, "--model", "resnet18", "--device", "cuda:0"], only_fixtures)
        check(result.returncode == 2 and "'cuda:0' is not available" in result.stderr and "CUDA" in result.stderr,
              f"a device this machine lacks is refused, saying why: {result.stderr.strip()[:200]}")

    if failures:
        print(f"\n{len(failures)} check(s) failed:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("all CLI checks passed")


if __name__ == "__main__":
    main()
