"""Independent reference for `sceneals evaluate`: precision@K, recall@K and hit rate@K of an
embedding file on a split, computed with h5py and numpy straight from docs/design.md (score = dot
product of the scene's user and item rows; candidates are the scene's active items; the user's
training items in the scene are masked; a pair is warm when the user has training items in the
scene), and compared with the metrics JSON the program wrote.

Scores are float32 dot products summed in another order than the program's, so an item pair
within rounding of each other may swap places: each mean may differ by one hit of one pair
(1/pairs), never more; the pair counts must match exactly.

usage: brute_force_metrics.py MODEL TRAIN_CSV TEST_CSV METRICS_JSON K[,K...]
"""
import csv
import json
import sys
from collections import defaultdict

import h5py
import numpy as np


def read_split(path):
    """(scene, user) -> set of items."""
    out = defaultdict(set)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            out[(row["scene"], row["user"])].add(row["item"])
    return out


def main():
    model_path, train_path, test_path, json_path, ks_text = sys.argv[1:6]
    ks = [int(k) for k in ks_text.split(",")]
    train, test = read_split(train_path), read_split(test_path)
    sums = defaultdict(lambda: [0.0, 0.0, 0.0, 0])  # (scene, cohort, k) -> precision, recall, hit, pairs
    with h5py.File(model_path, "r") as f:
        user_row = {u.decode(): r for r, u in enumerate(f["users/id"][()])}
        item_ids = [i.decode() for i in f["items/id"][()]]
        for scene in f["scenes"]:
            group = f["scenes"][scene]
            users, items = group["user_factors"][()], group["item_factors"][()]
            candidates = np.flatnonzero(group["item_active"][()])
            position = {item_ids[i]: p for p, i in enumerate(candidates)}
            candidate_items = items[candidates]
            for (s, user), relevant in test.items():
                if s != scene:
                    continue
                trained = train.get((scene, user), set())
                cohort = "warm" if trained else "cold"
                scores = candidate_items @ users[user_row[user]]
                for item in trained:
                    if item in position:
                        scores[position[item]] = -np.inf
                # Best first, ties by the lower position; masked items never count.
                order = np.lexsort((np.arange(len(scores)), -scores))
                order = [p for p in order if np.isfinite(scores[p])]
                for k in ks:
                    top = {item_ids[candidates[p]] for p in order[:k]}
                    hits = len(top & relevant)
                    cell = sums[(scene, cohort, k)]
                    cell[0] += hits / k
                    cell[1] += hits / len(relevant)
                    cell[2] += 1.0 if hits else 0.0
                    cell[3] += 1
    overall = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for (scene, cohort, k), cell in sums.items():
        for i in range(4):
            overall[("overall", cohort, k)][i] += cell[i]
    sums.update(overall)

    reported = {}
    for r in json.load(open(json_path)):
        reported[(r["scene"], r["cohort"], r["k"], r["metric"])] = (r["value"], r["pairs"])
    failures, checked = [], 0
    for (scene, cohort, k), (precision, recall, hit, pairs) in sums.items():
        for metric, total in (("precision", precision), ("recall", recall), ("hit_rate", hit)):
            key = (scene, cohort, k, metric)
            if key not in reported:
                failures.append(f"{key} missing from {json_path}")
                continue
            value, reported_pairs = reported[key]
            checked += 1
            if reported_pairs != pairs:
                failures.append(f"{key}: {reported_pairs} pairs, the reference has {pairs}")
            if abs(value - total / pairs) > 1.0 / pairs + 1e-12:
                failures.append(f"{key}: {value}, the reference has {total / pairs}")
    if failures or checked == 0:
        print("\n".join(failures) or "nothing to check", file=sys.stderr)
        sys.exit(1)
    print(f"{checked} metrics agree with the brute-force reference")


if __name__ == "__main__":
    main()
