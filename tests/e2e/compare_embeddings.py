#!/usr/bin/python3
"""Compares two SceneALS embedding files: same ids in the same order, same active flags, and
factors equal within a relative tolerance (max |a - b| <= tol * max |a|, per dataset).
Usage: compare_embeddings.py A.h5 B.h5 [--tolerance 1e-4]. Exit 1 with the worst dataset."""
import argparse
import sys

import h5py
import numpy as np


def datasets(f):
    names = []
    f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return sorted(names)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    with h5py.File(args.a, "r") as a, h5py.File(args.b, "r") as b:
        if datasets(a) != datasets(b):
            sys.exit(f"FAIL: different datasets: {datasets(a)} vs {datasets(b)}")
        worst = (0.0, "")
        for name in datasets(a):
            x, y = a[name][()], b[name][()]
            if x.shape != y.shape:
                sys.exit(f"FAIL: {name}: shapes {x.shape} vs {y.shape}")
            if x.dtype.kind in "SOU" or x.dtype == np.uint8:
                if not np.array_equal(x, y):
                    sys.exit(f"FAIL: {name} differs")
                continue
            scale = max(float(np.abs(x).max()), 1e-30) if x.size else 1.0
            error = float(np.abs(x.astype(np.float64) - y).max()) / scale if x.size else 0.0
            worst = max(worst, (error, name))
            if error > args.tolerance:
                sys.exit(f"FAIL: {name}: relative max difference {error:.3g} > {args.tolerance:g}")
    print(f"OK: {args.b} matches {args.a}; worst relative difference {worst[0]:.3g} ({worst[1]})")


if __name__ == "__main__":
    main()
