#!/usr/bin/env python3
"""End-to-end checks of `convlens-cli batch` and `merge`, run by ctest on the model fixtures (seeded random weights
in the official file names).

- A batch over real photos plus a truncated JPEG and a text file named .png: every good image has its report (PNG
  and PDF) and an ok row whose predictions are torchvision's; the bad ones have a row naming the problem; exit 3.
- Ground truth from WordNet-id folders: the accuracy in summary.json equals the one computed here from torchvision's
  predictions and the folder names.
- SIGINT mid-batch keeps every finished record (exit 130); --resume completes the rest without redoing any.
- The union of --shard 0/3, 1/3, 2/3 is the unsharded run; merge reproduces its summary.csv.
"""
import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import torch
import torchvision
from PIL import Image

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg",
          "camera.png", "coins.png", "color.png", "ihc.png", "moon.png", "brick.png"]


class Reference:
    """torchvision's resnet18 with the fixture weights: probabilities of one image."""

    def __init__(self, fixtures):
        torch.set_num_threads(2)
        self.weights = torchvision.models.ResNet18_Weights.DEFAULT
        self.model = torchvision.models.resnet18(weights=None)
        name = next(f for f in os.listdir(fixtures) if f.startswith("resnet18-") and f.endswith(".pth"))
        self.model.load_state_dict(torch.load(os.path.join(fixtures, name)))
        self.model.eval()

    def probabilities(self, path):
        batch = self.weights.transforms()(Image.open(path).convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            return torch.softmax(self.model(batch)[0], 0)


def run(cli, args, env, **kwargs):
    return subprocess.run([cli] + args, capture_output=True, text=True, env=env, timeout=900, **kwargs)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def read_records(folder):
    with open(os.path.join(folder, "records.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def predictions_match(record, reference):
    """Our top-K against torchvision's probabilities: each class's probability, and the K largest in order (a
    batched forward pass may differ from a single one in the last bits, which can swap near-equal classes)."""
    ours = record["predictions"]
    theirs = torch.sort(reference, descending=True).values[:len(ours)]
    for rank, entry in enumerate(ours):
        if abs(entry["probability"] - float(reference[entry["index"]])) > 1e-5:
            return False
        if abs(entry["probability"] - float(theirs[rank])) > 1e-5:
            return False
    return True


def check_batch_with_reports(cli, env, photos, work, reference, wnids):
    """Photos in WordNet-id folders chosen from torchvision's own predictions (some right at top-1, some only in
    the top-5, some wrong), a truncated JPEG and a text file named .png."""
    root = os.path.join(work, "val")
    expected = {}  # batch name → truth index
    for i, name in enumerate(photos[:9]):
        probs = reference.probabilities(os.path.join(photos_dir(photos), name))
        order = torch.argsort(probs, descending=True).tolist()
        sorted_probs = probs[order]
        # A class whose rank could swap with its neighbour within float noise would make the expectation fragile.
        kind = i % 3
        rank = {0: 0, 1: 2, 2: 20}[kind]
        margins = [abs(float(sorted_probs[r] - sorted_probs[r + 1])) for r in (0, 4)] + \
                  [abs(float(sorted_probs[rank] - sorted_probs[max(rank - 1, 0)])) if rank else 1.0]
        truth = order[rank]
        folder = wnids[truth] if min(margins) > 1e-5 else "unsorted"
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        shutil.copy(os.path.join(photos_dir(photos), name), os.path.join(root, folder, name))
        if folder != "unsorted":
            expected[f"val/{folder}/{name}"] = truth
    with open(os.path.join(photos_dir(photos), "rocket.jpg"), "rb") as f:
        data = f.read()
    with open(os.path.join(root, "truncated.jpg"), "wb") as f:
        f.write(data[: len(data) // 3])
    with open(os.path.join(root, "notes.png"), "w") as f:
        f.write("this is text, not a picture\n")

    out = os.path.join(work, "reports-out")
    result = run(cli, ["batch", root, "--recursive", "--model", "resnet18", "--out", out, "--report", "--methods",
                       "gradcam", "--batch-size", "4", "--threads", "2", "--no-cache"], env)
    check(result.returncode == 3, f"a batch with bad files exits 3 (got {result.returncode}: {result.stderr[-500:]})")
    rows = read_csv(os.path.join(out, "summary.csv"))
    by_file = {row["file"]: row for row in rows}
    good = [name for name in by_file if not name.endswith(("truncated.jpg", "notes.png"))]
    check(len(rows) == 11 and len(good) == 9, f"one row per image: {len(rows)} rows")
    check(all(by_file[name]["status"] == "ok" for name in good), "every photo's row is ok")
    for name in good:
        png = os.path.join(out, by_file[name]["report"])
        check(by_file[name]["report"].endswith(".png") and os.path.getsize(png) > 20000 and
              os.path.getsize(png[:-4] + ".pdf") > 5000, f"{name}: a report PNG and PDF")
        with Image.open(png) as page:
            check(page.size == (1240, 1754), f"{name}: the report is an A4 page at 150 dpi ({page.size})")
    bad = {"val/truncated.jpg": "truncated", "val/notes.png": "not an image"}
    for name, words in bad.items():
        row = by_file.get(name, {})
        check(row.get("status") == "failed" and name in row.get("error", "") and words in row.get("error", ""),
              f"{name}: a failed row naming the file and the problem ({row.get('error')})")
        check(name in result.stderr, f"{name}: the problem is printed")
    records = {r["file"]: r for r in read_records(out)}
    for name in good:
        probs = reference.probabilities(records[name]["path"])
        check(predictions_match(records[name], probs), f"{name}: the predictions are torchvision's")

    # Accuracy as computed here from torchvision and the folder names.
    hits1 = hits5 = 0
    for name, truth in expected.items():
        order = torch.argsort(reference.probabilities(records[name]["path"]), descending=True).tolist()
        hits1 += order[0] == truth
        hits5 += truth in order[:5]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    model = summary["accuracy"]["models"][0]
    check(model["with_truth"] == len(expected) and len(expected) >= 6,
          f"{model['with_truth']} images with a known truth ({len(expected)} expected)")
    check((model["top1"], model["top5"]) == (hits1, hits5),
          f"top-1/top-5 hits {model['top1']}/{model['top5']} equal torchvision's {hits1}/{hits5}")
    check(0 < hits1 < hits5 < len(expected), "the folder layout makes the accuracy non-trivial")
    check(abs(model["top1_accuracy"] - hits1 / len(expected)) < 1e-9, "top-1 accuracy as a fraction")
    for page in ("summary.png", "summary.pdf", "contact-resnet18-1.png", "contact-resnet18.pdf"):
        check(os.path.getsize(os.path.join(out, page)) > 5000, f"{page} written")


def photos_dir(_photos=None):
    return os.path.join(os.path.dirname(__import__("skimage").__file__), "data")


def make_variants(work, count):
    """`count` different images (crops and sizes of the photos): a batch long enough to interrupt."""
    folder = os.path.join(work, "many")
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        with Image.open(os.path.join(photos_dir(), PHOTOS[i % 4])) as image:
            image = image.convert("RGB")
            w, h = image.size
            crop = image.crop((i * 3 % 40, i * 5 % 40, w - i * 7 % 40, h - i % 40)).resize((200 + i, 180 + i))
            crop.save(os.path.join(folder, f"img{i:03d}.jpg"), quality=90)
    return folder


def check_interrupt_and_resume(cli, env, work):
    folder = make_variants(work, 24)
    out = os.path.join(work, "interrupted")
    args = ["batch", folder, "--model", "resnet50", "--out", out, "--batch-size", "1", "--threads", "1",
            "--no-cache"]
    process = subprocess.Popen([cli] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    records = os.path.join(out, "records.jsonl")
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        if os.path.exists(records) and sum(1 for _ in open(records)) >= 3:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=300)
    check(process.returncode == 130, f"SIGINT mid-batch exits 130 (got {process.returncode}: {stderr[-300:]})")
    done = read_records(out)
    check(3 <= len(done) < 24, f"the finished images are kept: {len(done)} of 24")
    rows = read_csv(os.path.join(out, "summary.csv"))
    check(len(rows) == len(done), "the summary of an interrupted run holds what was done")
    check("--resume" in stderr, "the interrupted run says how to complete it")

    result = run(cli, args + ["--resume"], env)
    check(result.returncode == 0, f"--resume completes the batch (exit {result.returncode}: {result.stderr[-300:]})")
    after = read_records(out)
    files = [r["file"] for r in after]
    check(len(after) == 24 and len(set(files)) == 24, f"every image exactly once after resuming ({len(after)} records)")
    check(after[: len(done)] == done, "the records made before the interrupt are not redone")
    check(f"{len(done)} of 24 images already done" in result.stderr, "resume says what it kept")
    check(len(read_csv(os.path.join(out, "summary.csv"))) == 24, "the summary holds all 24 images")


def comparable(rows):
    """summary.csv rows without the per-run timing; probabilities compared to 1e-5 (another batch composition may
    change the last bits of a batched forward pass)."""
    result = []
    for row in rows:
        row = dict(row)
        row.pop("ms_total")
        probabilities = [float(p) for p in row.pop("top5_probabilities").split()]
        row["top1_probability"] = round(float(row["top1_probability"]) * 1e5) if row["top1_probability"] else None
        row["top5_sum"] = round(sum(probabilities) * 1e5)
        result.append(row)
    return result


def check_shards_and_merge(cli, env, work):
    folder = make_variants(work, 24)
    whole = os.path.join(work, "whole")
    common = ["--model", "resnet18,mobilenet_v3_small", "--threads", "2", "--no-cache", "--batch-size", "1"]
    result = run(cli, ["batch", folder] + common + ["--out", whole], env)
    check(result.returncode == 0, f"the unsharded batch exits 0 ({result.stderr[-300:]})")
    shards = []
    names = []
    for index in range(3):
        out = os.path.join(work, f"shard-{index}")
        result = run(cli, ["batch", folder] + common + ["--out", out, "--shard", f"{index}/3"], env)
        check(result.returncode == 0, f"shard {index}/3 exits 0 ({result.stderr[-300:]})")
        shards.append(out)
        names.append({r["file"] for r in read_records(out)})
    union = set().union(*names)
    check(sum(len(n) for n in names) == len(union), "the shards are disjoint")
    check(union == {r["file"] for r in read_records(whole)}, "the shards together are the unsharded run")
    check(all(len(n) > 0 for n in names), f"each shard has a share: {[len(n) for n in names]}")
    merged = os.path.join(work, "merged")
    result = run(cli, ["merge"] + shards + ["--out", merged], env)
    check(result.returncode == 0, f"merge exits 0 ({result.stderr[-300:]})")
    check(comparable(read_csv(os.path.join(merged, "summary.csv"))) ==
          comparable(read_csv(os.path.join(whole, "summary.csv"))),
          "merge reproduces the unsharded summary.csv (timings aside)")
    result = run(cli, ["merge"] + shards + ["--out", merged], env)
    check(result.returncode == 1 and "merge into a new folder" in result.stderr,
          "merging into a folder that holds a batch is refused")
    result = run(cli, ["batch", folder, "--model", "resnet18", "--out", os.path.join(work, "x"), "--shard", "3/3"],
                 env)
    check(result.returncode == 2 and "--shard" in result.stderr, "a shard index out of range is a usage error")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="convlens-batch-")
    empty = tempfile.mkdtemp(prefix="convlens-empty-")
    env = dict(os.environ, CONVLENS_WEIGHTS_DIR=args.fixtures, TORCH_HOME=empty, XDG_CACHE_HOME=empty)
    with open(os.path.join(args.source, "resources", "labels", "imagenet1k_wnids.txt")) as f:
        wnids = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    try:
        reference = Reference(args.fixtures)
        check_batch_with_reports(args.cli, env, PHOTOS, work, reference, wnids)
        check_interrupt_and_resume(args.cli, env, work)
        check_shards_and_merge(args.cli, env, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(empty, ignore_errors=True)
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
