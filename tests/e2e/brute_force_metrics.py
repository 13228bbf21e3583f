"""Independent reference for `sceneals evaluate` and `train --evaluate`: precision@K, recall@K,
hit rate@K, diversity@K and novelty@K of an embedding file on a split, computed with h5py and
numpy straight from the definitions (docs/design.md, docs/usage.md), and compared with the
metrics JSON the program wrote.

- Score = dot product of the scene's user and item rows.
- A test row whose item has no training row in any scene belongs to the cold-item cohort: its
  candidates are the scene's items served from features (item_from_features = 1), none without.
  Other test rows: candidates are the scene's other active items, the user's training items in
  the scene are masked, and the pair is warm when the user has training items there, else cold.
- Diversity: mean over the top-K list's item pairs of 1 - cosine of the items' vectors: their
  factor columns, or with --features F.csv their features standardised per column over the
  file's items (population standard deviation); pairs with a zero vector are left out.
- Novelty: mean over the list of -log2((c_i + 1) / (N + n)), c_i the item's training rows in
  the scene, N their sum, n the scene's active items.

Scores are float32 dot products summed in another order than the program's, so an item pair
within rounding of each other may swap places: each mean may differ by one item of one pair's
list, never more (1/pairs of a hit, max value/pairs of diversity or novelty); the pair counts must
match exactly.

usage: brute_force_metrics.py MODEL TRAIN_CSV TEST_CSV METRICS_JSON K[,K...] [--features F.csv]
"""
import argparse
import csv
import json
import os
import sys
from collections import defaultdict

import h5py
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval"))
import sceneals_model  # noqa: E402  (the reader example: served user rows of format 1 and 2)


def read_split(path):
    """(scene, user) -> set of items."""
    out = defaultdict(set)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            out[(row["scene"], row["user"])].add(row["item"])
    return out


def read_features(path):
    """item -> standardised feature vector."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    values = np.array([[float(v) for v in row[1:]] for row in rows])
    std = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    z[:, std == 0] = 0.0
    return {row[0]: z[i] for i, row in enumerate(rows)}


def diversity(vectors):
    norms = [np.linalg.norm(v) for v in vectors]
    total, pairs = 0.0, 0
    for a in range(len(vectors)):
        for b in range(a + 1, len(vectors)):
            if norms[a] == 0 or norms[b] == 0:
                continue
            total += 1.0 - float(vectors[a] @ vectors[b]) / (norms[a] * norms[b])
            pairs += 1
    return total / pairs if pairs else 0.0


def main():
    parser = argparse.ArgumentParser()
    for name in ("model", "train", "test", "json", "ks"):
        parser.add_argument(name)
    parser.add_argument("--features")
    args = parser.parse_args()
    ks = [int(k) for k in args.ks.split(",")]
    train, test = read_split(args.train), read_split(args.test)
    features = read_features(args.features) if args.features else None
    trained_anywhere = set().union(*train.values()) if train else set()
    # (scene, cohort, k) -> sums of precision, recall, hit, diversity, novelty, and pairs
    sums = defaultdict(lambda: [0.0] * 5 + [0])
    largest = defaultdict(float)  # (metric, cohort) -> the largest single value, for tolerance
    with h5py.File(args.model, "r") as f:
        user_row = {u.decode(): r for r, u in enumerate(f["users/id"][()])}
        item_ids = [i.decode() for i in f["items/id"][()]]
        for scene in f["scenes"]:
            group = f["scenes"][scene]
            users, items = sceneals_model.user_rows(f, scene), group["item_factors"][()]
            active = group["item_active"][()].astype(bool)
            served = (group["item_from_features"][()].astype(bool)
                      if "item_from_features" in group else np.zeros_like(active))
            counts = defaultdict(float)
            for (s, _), trained_items in train.items():
                if s == scene:
                    for item in trained_items:
                        counts[item] += 1
            total = sum(counts.values()) + int(active.sum())
            k = items.shape[1] - 1

            def vector(row):
                if features is not None:
                    return features.get(item_ids[row], np.zeros(1))
                return items[row, :k].astype(np.float64)

            for (s, user), relevant_all in test.items():
                if s != scene:
                    continue
                cold_items = {i for i in relevant_all if i not in trained_anywhere}
                for cohort_items, is_cold_item in ((relevant_all - cold_items, False),
                                                   (cold_items, True)):
                    if not cohort_items:
                        continue
                    candidates = np.flatnonzero(served if is_cold_item else active & ~served)
                    trained = set() if is_cold_item else train.get((scene, user), set())
                    cohort = ("cold-item" if is_cold_item else "warm" if trained else "cold")
                    scores = items[candidates] @ users[user_row[user]]
                    position = {item_ids[i]: p for p, i in enumerate(candidates)}
                    for item in trained:
                        if item in position:
                            scores[position[item]] = -np.inf
                    # Best first, ties by the lower position; masked items never count.
                    order = np.lexsort((np.arange(len(scores)), -scores))
                    order = [p for p in order if np.isfinite(scores[p])]
                    for cut in ks:
                        top_rows = [candidates[p] for p in order[:cut]]
                        top = {item_ids[r] for r in top_rows}
                        hits = len(top & cohort_items)
                        bits = [-np.log2((counts[item_ids[r]] + 1) / total) for r in top_rows]
                        values = (hits / cut, hits / len(cohort_items), 1.0 if hits else 0.0,
                                  diversity([vector(r) for r in top_rows]),
                                  float(np.mean(bits)) if bits else 0.0)
                        cell = sums[(scene, cohort, cut)]
                        for i, value in enumerate(values):
                            cell[i] += value
                        cell[5] += 1
                        largest[("diversity", cohort)] = max(largest[("diversity", cohort)],
                                                             values[3])
                        largest[("novelty", cohort)] = max(largest[("novelty", cohort)],
                                                           max(bits, default=0.0))
    overall = defaultdict(lambda: [0.0] * 5 + [0])
    for (scene, cohort, cut), cell in sums.items():
        for i in range(6):
            overall[("overall", cohort, cut)][i] += cell[i]
    sums.update(overall)

    reported = {}
    for r in json.load(open(args.json)):
        reported[(r["scene"], r["cohort"], r["k"], r["metric"])] = (r["value"], r["pairs"])
    failures, checked = [], 0
    names = ("precision", "recall", "hit_rate", "diversity", "novelty")
    for (scene, cohort, cut), cell in sums.items():
        pairs = cell[5]
        for i, metric in enumerate(names):
            key = (scene, cohort, cut, metric)
            if key not in reported:
                failures.append(f"{key} missing from {args.json}")
                continue
            value, reported_pairs = reported[key]
            checked += 1
            if reported_pairs != pairs:
                failures.append(f"{key}: {reported_pairs} pairs, the reference has {pairs}")
            one_item = largest.get((metric, cohort), 1.0) if i >= 3 else 1.0
            if abs(value - cell[i] / pairs) > one_item / pairs + 1e-6:
                failures.append(f"{key}: {value}, the reference has {cell[i] / pairs}")
    if failures or checked == 0:
        print("\n".join(failures) or "nothing to check", file=sys.stderr)
        sys.exit(1)
    print(f"{checked} metrics agree with the brute-force reference")


if __name__ == "__main__":
    main()
