#!/usr/bin/env python3
"""Writes imagenet1k.txt: the 1000 ImageNet-1k class names, one per line in class-index order, exactly as
torchvision ships them (torchvision.models._meta._IMAGENET_CATEGORIES, the `categories` of every ImageNet
weights enum).

Run with Debian's interpreter, which has torchvision:
    /usr/bin/python3 resources/labels/make_labels.py            # rewrites resources/labels/imagenet1k.txt
    /usr/bin/python3 resources/labels/make_labels.py --check    # exits 1 if the file differs
"""
import argparse
import os
import sys

from torchvision.models._meta import _IMAGENET_CATEGORIES


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "imagenet1k.txt"))
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()

    if len(_IMAGENET_CATEGORIES) != 1000 or any("\n" in name or not name.strip() for name in _IMAGENET_CATEGORIES):
        sys.exit("unexpected _IMAGENET_CATEGORIES in this torchvision")
    text = "".join(name + "\n" for name in _IMAGENET_CATEGORIES)

    if args.check:
        with open(args.out, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{args.out} differs from torchvision's _IMAGENET_CATEGORIES; rerun {sys.argv[0]}")
        print(f"{args.out}: matches torchvision")
        return
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {args.out} ({len(_IMAGENET_CATEGORIES)} names)")


if __name__ == "__main__":
    main()
