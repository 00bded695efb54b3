#!/usr/bin/env python3
"""Times torch's own ResNet-18 forward (batch 1, 224 px, inference mode) under OpenMP wait policies.

libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT when it is loaded, so each policy runs in a child process:
    python3 tests/bench/wait_policy.py [--threads 2] [--runs 25]
Run it beside other work (a build) to see what spinning threads cost under load (tests/bench/RESULTS.md).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def child(threads: int, runs: int) -> None:
    import torch
    import torchvision

    torch.set_num_threads(threads)
    model = torchvision.models.resnet18().eval()
    x = torch.randn(1, 3, 224, 224)
    times = []
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        for _ in range(runs):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1e3)
    print(f"{statistics.median(times):.1f} {min(times):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.threads, args.runs)
        return
    with open("/proc/loadavg") as f:
        print("load average:", " ".join(f.read().split()[:3]))
    print("| threads | policy | median | best |\n|---|---|---|---|")
    cases = [(args.threads, {}), (args.threads, {"OMP_WAIT_POLICY": "passive"}),
             (args.threads, {"GOMP_SPINCOUNT": "1000"}), (1, {})]
    for threads, extra in cases:
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
        env.update(extra)
        out = subprocess.run([sys.executable, __file__, "--child", "--threads", str(threads), "--runs", str(args.runs)],
                             env=env, check=True, capture_output=True, text=True).stdout.split()
        policy = ", ".join(f"`{k}={v}`" for k, v in extra.items()) or "default (spinning)"
        print(f"| {threads} | {policy} | {out[0]} ms | {out[1]} ms |")


if __name__ == "__main__":
    main()
