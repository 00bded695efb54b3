#!/usr/bin/env python3
"""Feeds the hostile corpus (make_corpus.py) through convlens-cli the way a user reaches each file:
  image       convlens-cli predict IMAGE... / analyze IMAGE
  checkpoint  convlens-cli predict PHOTO --weights FILE, or weights verify with the file under the official name
  registry    convlens-cli models --registry FILE (the same loader predict uses), or predict --registry FILE when
  labels      the problem is only met at run time (weights.path)
Each process runs with a timeout and an address-space limit. "error" files must fail with exit status 1 or 2 and a
message that names the file and says what is wrong, without raw library text; "ok" files must give torchvision's
logits. Prints the files tried and every failure; exits 1 when any.
"""
import argparse
import concurrent.futures
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision
from PIL import Image, ImageOps

# Text that only a library, not ConvLens, would write: what a user must never see.
RAW = [r"c10::Error", r"Exception raised from", r"frame #\d", r"std::bad_alloc", r"bad_alloc", r"terminate called",
       r"what\(\):", r"enforce fail", r"hasRecord", r"stoull", r"stoi\b", r"PytorchStreamReader", r"\bmz_",
       r"yaml-cpp", r"YAML::", r"std::", r"basic_string", r"Segmentation fault", r"Aborted", r"core dumped",
       r"INTERNAL ASSERT", r"0x[0-9a-f]{8,}", r"\.cpp:\d+", r"\.h:\d+", r"Traceback", r"nan%"]
RAW_RE = re.compile("|".join(RAW))


def limit_resources(mem_bytes):
    def apply():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def run(argv, env, timeout, mem_bytes):
    """(returncode or None on timeout, stdout, stderr)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                            preexec_fn=limit_resources(mem_bytes))
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out.decode(errors="replace"), err.decode(errors="replace")


class Compare:
    """A result to compare with torchvision's, in the main thread once the processes are done (torch's intra-op
    threads are set per thread, and the reference network is not shared between threads)."""

    def __init__(self, image, weights, logits):
        self.image, self.weights, self.logits = image, weights, logits


class Checker:
    def __init__(self, args, manifest):
        self.args = args
        self.corpus = os.path.abspath(args.corpus)
        self.model_id = manifest["model"]
        self.weights_file = manifest["weights_file"]
        self.default_weights = os.path.join(args.fixtures, self.weights_file)
        self.photo = os.path.join(args.source, "resources", "samples", "chelsea.jpg")
        self.tmp = tempfile.mkdtemp(prefix="convlens-hostile-")
        self.env = dict(os.environ, CONVLENS_WEIGHTS_DIR=args.fixtures, TORCH_HOME=self.tmp, XDG_CACHE_HOME=self.tmp,
                        XDG_CONFIG_HOME=self.tmp, CACHE_ENABLED="0", OMP_NUM_THREADS="1")
        self.mem = int(args.mem_gib * (1 << 30))
        torch.set_num_threads(1)
        self.transforms = torchvision.models.get_model_weights(self.model_id).DEFAULT.transforms()
        self.models = {}

    # --- references ---
    def network(self, weights_path):
        if weights_path not in self.models:
            sd = torch.load(weights_path)
            if "state_dict" in sd:
                sd = sd["state_dict"]
            sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
            net = torchvision.models.get_model(self.model_id, weights=None)
            net.load_state_dict(sd)
            self.models[weights_path] = net.eval()
        return self.models[weights_path]

    @staticmethod
    def decode_like_pil(path):
        image = path if isinstance(path, Image.Image) else Image.open(path)
        image = ImageOps.exif_transpose(image)
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            # ConvLens keeps the high byte of 16-bit samples (PIL 9.4 would clip them).
            array = (np.asarray(image, dtype=np.uint32) >> 8).astype(np.uint8)
            return Image.fromarray(array, "L").convert("RGB")
        return image.convert("RGB")

    def reference_logits(self, image_path, weights_path=None):
        batch = self.transforms(self.decode_like_pil(image_path)).unsqueeze(0)
        with torch.no_grad():
            return self.network(weights_path or self.default_weights)(batch)[0]

    # --- checks ---
    @staticmethod
    def clear_message(text, names):
        """Why `text` is not a clear error message about one of `names`, or None."""
        if not text.strip():
            return "no error message"
        if not any(name and name in text for name in names):
            return f"the message does not name {names[0]}: {text.strip()[:300]!r}"
        raw = RAW_RE.search(text)
        if raw:
            return f"raw library text {raw.group(0)!r} in the message: {text.strip()[:400]!r}"
        if len(re.findall(r"[A-Za-z]{3,}", text)) < 4:
            return f"the message does not say what is wrong: {text.strip()[:300]!r}"
        return None

    def check_logits(self, got, ref):
        got = torch.tensor(got)
        if got.shape != ref.shape:
            return f"{got.numel()} logits, torchvision has {ref.numel()}"
        diff = (got - ref).abs().max().item()
        tolerance = 1e-3 * max(1.0, ref.abs().max().item())
        return None if diff <= tolerance else f"logits differ from torchvision's by {diff:.3g} (> {tolerance:.3g})"

    def cli(self, *argv, env=None):
        return run([self.args.cli] + list(argv), env or self.env, self.args.timeout, self.mem)

    def death(self, code, err):
        if code is None:
            return f"timed out after {self.args.timeout} s (hang)"
        if code < 0:
            return f"killed by signal {-code} ({signal.Signals(-code).name}): {err.strip()[-300:]!r}"
        return None

    def image_group(self, entries, command):
        """predict (or analyze) of several images in one process; a crash is re-run file by file."""
        out = os.path.join(self.tmp, f"{command}-{os.getpid()}-{id(entries)}.json")
        paths = [os.path.join(self.corpus, e["file"]) for e in entries]
        extra = ["--methods", "gradcam", "--tiles", "2", "--top-k", "1", "--out", out + ".d"] if command == "analyze" \
            else ["--top-k", "5"]
        code, stdout, err = self.cli(command, *paths, "--model", self.model_id, "--threads", "1", "--json", out,
                                     "--full-logits", *extra)
        dead = self.death(code, err)
        if dead:
            if len(entries) > 1:
                return [r for e in entries for r in self.image_group([e], command)]
            return [(entries[0], dead)]
        results = []
        try:
            with open(out) as f:
                doc = {item["image"]: item for item in json.load(f)}
        except (OSError, ValueError) as error:
            return [(e, f"exit {code}, no JSON ({error}); stderr {err.strip()[:300]!r}") for e in entries]
        raw = RAW_RE.search(err + stdout)
        for entry, path in zip(entries, paths):
            item = doc.get(path)
            name = os.path.basename(path)
            if item is None:
                results.append((entry, "no JSON entry"))
            elif entry["expect"] == "error":
                if "error" not in item:
                    results.append((entry, "decoded although it must be refused"))
                elif code not in (1, 2):
                    results.append((entry, f"exit status {code}, expected 1 or 2"))
                else:
                    results.append((entry, self.clear_message(item["error"], [name]) or
                                    (f"stderr has raw text {raw.group(0)!r}" if raw else None) or
                                    (None if name in err else "stderr does not name the file")))
            else:
                if "error" in item:
                    results.append((entry, f"refused a valid file: {item['error'][:300]!r}"))
                else:
                    reference = entry.get("reference")
                    if reference == "black":
                        reference = Image.new("RGB", (300, 300))
                    elif reference:
                        reference = os.path.join(self.corpus, reference)
                    results.append((entry, Compare(reference or path, None, item["logits"])))
        return results

    def checkpoint(self, entry):
        path = os.path.join(self.corpus, entry["file"])
        name = os.path.basename(path)
        if entry["entry"] == "verify":
            env = dict(self.env, CONVLENS_WEIGHTS_DIR=path)
            code, out, err = self.cli("weights", "verify", self.model_id, env=env)
            return self.death(code, err) or self.expect_error(code, out + err, [self.weights_file])
        out_json = os.path.join(self.tmp, name + ".json")
        code, out, err = self.cli("predict", self.photo, "--model", self.model_id, "--weights", path, "--threads", "1",
                                  "--json", out_json, "--full-logits")
        dead = self.death(code, err)
        if dead:
            return dead
        if entry["expect"] == "error":
            return self.expect_error(code, err, [name])
        if code != 0:
            return f"exit {code} for a valid checkpoint: {err.strip()[:300]!r}"
        with open(out_json) as f:
            item = json.load(f)[0]
        return Compare(self.photo, path, item["logits"])

    def registry(self, entry):
        path = os.path.join(self.corpus, entry["file"])
        names = [os.path.basename(path)] + [os.path.basename(p) for p in entry.get("names", [])]
        runtime = entry["expect"] == "ok" or entry.get("runtime", False)
        if not runtime:
            code, out, err = self.cli("models", "--registry", path)
            return self.death(code, err) or self.expect_error(code, err, names)
        out_json = os.path.join(self.tmp, names[0] + ".json")
        code, out, err = self.cli("predict", self.photo, "--model", entry["model"], "--registry", path, "--threads",
                                  "1", "--json", out_json, "--full-logits")
        dead = self.death(code, err)
        if dead:
            return dead
        if entry["expect"] == "error":
            return self.expect_error(code, err, names)
        if code != 0:
            return f"exit {code} for a valid registry: {err.strip()[:300]!r}"
        with open(out_json) as f:
            item = json.load(f)[0]
        return Compare(self.photo, None, item["logits"])

    def expect_error(self, code, err, names):
        if code not in (1, 2):
            return f"exit status {code}, expected 1 or 2 (stderr {err.strip()[:200]!r})"
        return self.clear_message(err, names)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--fixtures", required=True, help="the models fixture folder")
    parser.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--mem-gib", type=float, default=3.0)
    parser.add_argument("--group", type=int, default=8, help="images per predict process")
    parser.add_argument("--only", help="a regular expression: only files whose path matches")
    args = parser.parse_args()
    with open(os.path.join(args.corpus, "manifest.json")) as f:
        manifest = json.load(f)
    checker = Checker(args, manifest)
    files = manifest["files"]
    if args.only:
        files = [e for e in files if re.search(args.only, e["file"])]
    marker = manifest["marker"]
    if os.path.lexists(marker):
        os.remove(marker)

    tasks = []
    predict_images = [e for e in files if e["kind"] == "image" and e["entry"] == "predict"]
    for i in range(0, len(predict_images), args.group):
        tasks.append((checker.image_group, predict_images[i:i + args.group], "predict"))
    for e in files:
        if e["kind"] == "image" and e["entry"] == "analyze":
            tasks.append((checker.image_group, [e], "analyze"))
        elif e["kind"] == "checkpoint":
            tasks.append((lambda e: [(e, checker.checkpoint(e))], e))
        elif e["kind"] in ("registry", "labels"):
            tasks.append((lambda e: [(e, checker.registry(e))], e))

    failures = []
    compares = []
    tried = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(task[0], *task[1:]) for task in tasks]
        for future in concurrent.futures.as_completed(futures):
            try:
                results = future.result()
            except Exception as error:  # a bug of this script: report, do not hide
                failures.append(("?", f"checker error: {error!r}"))
                continue
            for entry, problem in results:
                tried += 1
                if isinstance(problem, Compare):
                    compares.append((entry, problem))
                    continue
                if problem:
                    failures.append((entry["file"], f"[{entry['expect']}] {entry['why']}: {problem}"))
    for entry, compare in compares:
        try:
            problem = checker.check_logits(compare.logits, checker.reference_logits(compare.image, compare.weights))
        except Exception as error:  # PIL cannot read it either
            problem = f"no torchvision reference: {error!r}"
        if problem:
            failures.append((entry["file"], f"[{entry['expect']}] {entry['why']}: {problem}"))
    if os.path.lexists(marker):
        failures.append((marker, "the marker exists: a file executed code"))
    kinds = {}
    for problem in failures:
        kind = "hang" if "timed out" in problem[1] else "crash" if "signal" in problem[1] else "other"
        kinds[kind] = kinds.get(kind, 0) + 1
    for file, problem in sorted(failures):
        print(f"FAIL {file}: {problem}")
    print(f"{tried} files tried; {len(failures)} failures "
          f"({kinds.get('crash', 0)} crashes, {kinds.get('hang', 0)} hangs, {kinds.get('other', 0)} other: unclear "
          f"messages or wrong results); marker {'EXISTS' if os.path.lexists(marker) else 'absent'}")
    shutil.rmtree(checker.tmp, ignore_errors=True)
    if len(files) == len(manifest["files"]) and tried < 300:
        print("FAIL fewer than 300 files tried")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
