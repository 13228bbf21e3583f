"""Checks a model trained with --item-features against the features file and the split it was
trained on, from the definitions in docs/item-features.md:
- the items served from features (item_from_features = 1) are exactly the items of the features
  file with no row in TRAIN_CSV, in every scene, and they are active there;
- each such row equals W_s' [f_i, 1] with W_s the scene's feature_map and f_i the item's
  features as the file gives them (float32 rounding apart);
- /features/name holds the file's column names.
usage: check_feature_items.py MODEL FEATURES_CSV TRAIN_CSV [--expect-served ID ...]"""
import argparse
import csv
import sys

import h5py
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("features")
    parser.add_argument("train")
    parser.add_argument("--expect-served", nargs="*", default=[])
    args = parser.parse_args()
    with open(args.features, newline="") as handle:
        rows = list(csv.reader(handle))
    names, features = rows[0][1:], {r[0]: np.array([float(v) for v in r[1:]]) for r in rows[1:]}
    with open(args.train, newline="") as handle:
        trained = {r["item"] for r in csv.DictReader(handle)}
    want = sorted(i for i in features if i not in trained)
    for item in args.expect_served:
        if item not in want:
            sys.exit(f"FAIL: {item} was expected among the items without training rows")
    with h5py.File(args.model, "r") as f:
        if [n.decode() for n in f["features/name"][()]] != names:
            sys.exit("FAIL: /features/name differs from the features file's header")
        ids = [i.decode() for i in f["items/id"][()]]
        worst = 0.0
        for scene in f["scenes"]:
            group = f["scenes"][scene]
            flags = group["item_from_features"][()].astype(bool)
            served = sorted(ids[r] for r in np.flatnonzero(flags))
            if served != want:
                sys.exit(f"FAIL: scene {scene} serves {len(served)} items from features, "
                         f"expected the {len(want)} without training rows")
            if not np.all(group["item_active"][()][flags] == 1):
                sys.exit(f"FAIL: scene {scene}: an item served from features is not active")
            w = group["feature_map"][()].astype(np.float64)
            items = group["item_factors"][()]
            for r in np.flatnonzero(flags):
                expected = np.append(features[ids[r]], 1.0) @ w
                scale = max(1.0, float(np.abs(expected).max()))
                worst = max(worst, float(np.abs(items[r] - expected).max()) / scale)
        if worst > 1e-4:
            sys.exit(f"FAIL: a row served from features differs from W' [f, 1] by {worst:.2e}")
    print(f"OK: {len(want)} items served from features, rows = W' [f, 1] within {worst:.1e}")


if __name__ == "__main__":
    main()
