#!/usr/bin/env python3
"""The build keeps torch out of ui/, app/ and the torch-free library (README: Code map).

Against a built tree (compile_commands.json and Ninja's dependency log), for every translation unit of ui/,
app/ and convlens_core:
  1. its compile command has no torch include path and no torch flag;
  2. none of the headers it actually included (ninja -t deps) lies under a torch, ATen or c10 include folder;
  3. a probe that includes <torch/torch.h>, compiled with that exact command, fails for want of the header,
     while the same probe including a Qt header compiles (so the command itself works).
Exits non-zero naming every violation.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

TORCH_MARKERS = ("/torch/", "/ATen/", "/c10/", "/caffe2/")


def rooms(build, source):
    """(file, object, command) of every translation unit that must not see torch."""
    with open(os.path.join(build, "compile_commands.json")) as f:
        commands = json.load(f)
    units = []
    for entry in commands:
        path = os.path.relpath(os.path.realpath(entry["file"]), source)
        out = entry.get("output") or shlex.split(entry["command"])[shlex.split(entry["command"]).index("-o") + 1]
        torch_free = path.startswith(("ui/", "app/")) or "/convlens_core.dir/" in out
        if torch_free and path.endswith(".cpp"):
            units.append((path, out, entry["command"], entry["directory"]))
    return units


def main():
    build, source = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
    units = rooms(build, source)
    problems = []
    if not any(p.startswith("ui/") for p, *_ in units) or not any(p.startswith("app/") for p, *_ in units):
        problems.append("compile_commands.json lists no ui/ or app/ sources; is this the build folder?")
    if not any("/convlens_core.dir/" in o for _, o, *_ in units):
        problems.append("compile_commands.json lists no convlens_core sources")

    for path, _, command, _ in units:
        for arg in shlex.split(command):
            if arg.startswith(("-I", "-isystem")) and "torch" in arg:
                problems.append(f"{path}: torch include path in its compile command: {arg}")
            if "csrc/api/include" in arg:
                problems.append(f"{path}: torch include path in its compile command: {arg}")

    deps = subprocess.run(["ninja", "-C", build, "-t", "deps"] + [o for _, o, *_ in units], capture_output=True,
                          text=True, check=True).stdout
    current = None
    checked = 0
    for line in deps.splitlines():
        if line and not line.startswith(" "):
            current = line.split(":")[0]
            checked += 1
        elif line.strip() and any(marker in line for marker in TORCH_MARKERS):
            problems.append(f"{current} includes {line.strip()}")
    if checked < len(units):
        problems.append(f"ninja knows the dependencies of {checked} of {len(units)} objects: build everything first")

    # The probe: a ui/ file's exact command on a file that includes torch must fail for want of the header.
    ui_path, _, ui_command, ui_dir = next((u for u in units if u[0].startswith("ui/")), (None, None, None, None))
    if ui_command:
        with tempfile.TemporaryDirectory() as tmp:
            for name, text, must_compile in (
                ("with_torch.cpp", "#include <torch/torch.h>\nint main() { return 0; }\n", False),
                ("with_qt.cpp", "#include <QString>\nint main() { return QString().size(); }\n", True),
            ):
                probe = os.path.join(tmp, name)
                with open(probe, "w") as f:
                    f.write(text)
                args = shlex.split(ui_command)
                args = [a for a in args if a not in ("-MD",)]
                for flag in ("-MT", "-MF", "-o", "-c"):
                    while flag in args:
                        i = args.index(flag)
                        del args[i:i + 2]
                args = [a for a in args if not a.endswith(ui_path.split("/")[-1])]
                args = [a for a in args if a != "ccache" and not a.endswith("/ccache")]
                run = subprocess.run(args + ["-fsyntax-only", probe], cwd=ui_dir, capture_output=True, text=True)
                if must_compile and run.returncode != 0:
                    problems.append(f"the Qt probe does not compile with {ui_path}'s command:\n{run.stderr[-2000:]}")
                if not must_compile:
                    if run.returncode == 0:
                        problems.append(f"<torch/torch.h> compiles with {ui_path}'s command: ui/ can see torch")
                    elif "torch/torch.h" not in run.stderr:
                        problems.append(f"the torch probe failed for another reason:\n{run.stderr[-2000:]}")

    for problem in problems:
        print("torch-free check:", problem)
    print(f"checked {len(units)} translation units of ui/, app/ and convlens_core: "
          f"{'FAILED' if problems else 'no torch'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
