#!/usr/bin/python3
"""The content-profile baseline for cold items: what item features alone achieve, the bar that
`sceneals train --item-features` must clear on the cold-item test pairs.

Why: a cold item has no interaction in train.csv, so collaborative factors know nothing of it;
only its features can place it. This baseline ranks such items by how much their features
resemble those of the items a user already has, with no learning at all.

How (on a `sceneals train --write-split DIR` directory and the `--item-features` CSV)
  - Features (header item,<name>,...) are standardised per column: z-score over all items of the
    features file, population standard deviation; a constant column becomes 0.
  - Candidates are the items of the features file with no row at all in DIR/train.csv (the items
    served from their features).
  - Pairs are the (user, scene) with at least one test row on an item with no row in
    DIR/train.csv: held out with --cold-item-fraction (cold == 2), or whose every interaction
    happens to be in the test split. Their relevant set is those items; one without features can
    never be ranked but still counts in |R|, as in the program's cold-item cohort.
  - The profile of a pair is the mean standardised vector of the user's distinct training items
    in that scene that have features; with none there, of all the user's training items with
    features; with none at all the pair still counts, with every metric 0.
  - Candidates are ranked by cosine(profile, item vector), highest first, ties by item id string
    ascending; a zero vector has cosine 0 with everything.
  - recall@K = hits/|R|, precision@K = hits/K, F1 their harmonic mean (0 without hits), each the
    mean over pairs, as eval/ranking_metrics.cpp computes them.
Prints a table; --json OUT writes {"cold_item": {"K": {"recall", "precision", "f1", "pairs"}}}.

usage: eval/content_baseline.py --split-dir DIR --features F.csv [--k 10 20] [--json OUT]
"""
import argparse
import csv
import json
import math
import sys

import numpy as np


class InputError(Exception):
    pass


def read_features(path):
    """(item ids, {id: row}, standardised matrix items x d)."""
    ids, rows, index = [], [], {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header or header[0].strip() != "item" or len(header) < 2:
            raise InputError(f"{path}:1: header must be item,<name1>,...; got {header}")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if not row:
                continue
            if len(row) != len(header):
                raise InputError(f"{where}: {len(row)} fields, the header has {len(header)}")
            if row[0] in index:
                raise InputError(f"{where}: item {row[0]!r} repeated")
            try:
                values = [float(v) for v in row[1:]]
            except ValueError as error:
                raise InputError(f"{where}: {error}") from None
            if not all(math.isfinite(v) for v in values):
                raise InputError(f"{where}: features must be finite numbers")
            index[row[0]] = len(ids)
            ids.append(row[0])
            rows.append(values)
    if not ids:
        raise InputError(f"{path}: no items")
    matrix = np.array(rows, dtype=np.float64)
    std = matrix.std(axis=0)
    centred = matrix - matrix.mean(axis=0)
    safe = np.where(std > 0, std, 1.0)
    standard = np.where(std > 0, centred / safe, 0.0)
    return ids, index, standard


def read_split_file(path, need_cold):
    """Rows of a split file as (user, item, scene, cold or None)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InputError(f"{path}: empty file")
        columns = ["user", "item", "scene"] + (["cold"] if need_cold else [])
        missing = [c for c in columns if c not in header]
        if missing:
            raise InputError(f"{path}:1: no column {', '.join(missing)} in header {header}")
        at = [header.index(c) for c in columns]
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise InputError(f"{path}:{reader.line_num}: {len(row)} fields, the header "
                                 f"has {len(header)}")
            fields = [row[i] for i in at]
            if need_cold and fields[3] not in ("0", "1", "2"):
                raise InputError(f"{path}:{reader.line_num}: cold must be 0, 1 or 2, "
                                 f"got {fields[3]!r}")
            rows.append(tuple(fields) if need_cold else tuple(fields) + (None,))
    return rows


def evaluate(split_dir, features_path, ks):
    ids, index, vectors = read_features(features_path)
    train = read_split_file(f"{split_dir}/train.csv", need_cold=False)
    test = read_split_file(f"{split_dir}/test.csv", need_cold=True)

    trained_items = {item for _, item, _, _ in train}
    candidates = sorted(i for i in ids if i not in trained_items)
    by_scene, by_user = {}, {}
    for user, item, scene, _ in train:
        if item in index:
            by_scene.setdefault((user, scene), set()).add(item)
            by_user.setdefault(user, set()).add(item)

    relevant = {}
    for user, item, scene, _ in test:
        if item not in trained_items:
            relevant.setdefault((user, scene), set()).add(item)

    # Candidate vectors normalised once; a zero vector stays zero, so its cosine is 0.
    cand = vectors[[index[i] for i in candidates]] if candidates else np.zeros((0, 1))
    norms = np.linalg.norm(cand, axis=1)
    cand_unit = cand / np.where(norms > 0, norms, 1.0)[:, None]

    sums = {k: [0.0, 0.0, 0.0] for k in ks}
    for (user, scene), items in relevant.items():
        history = by_scene.get((user, scene)) or by_user.get(user)
        if not history or not candidates:
            continue  # counted, every metric 0
        profile = vectors[[index[i] for i in sorted(history)]].mean(axis=0)
        norm = np.linalg.norm(profile)
        scores = cand_unit @ (profile / norm) if norm > 0 else np.zeros(len(candidates))
        # candidates are sorted by id, so a stable sort on -score breaks ties by id.
        order = np.argsort(-scores, kind="stable")
        for k in ks:
            hits = sum(1 for j in order[:k] if candidates[j] in items)
            if hits:
                recall, precision = hits / len(items), hits / k
                sums[k][0] += recall
                sums[k][1] += precision
                sums[k][2] += 2 * precision * recall / (precision + recall)
    pairs = len(relevant)
    return {str(k): {"recall": sums[k][0] / pairs if pairs else 0.0,
                     "precision": sums[k][1] / pairs if pairs else 0.0,
                     "f1": sums[k][2] / pairs if pairs else 0.0,
                     "pairs": pairs} for k in ks}, len(candidates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split-dir", required=True, help="folder with train.csv and test.csv")
    parser.add_argument("--features", required=True, help="item features CSV (item,<names>)")
    parser.add_argument("--k", type=int, nargs="+", default=[20], help="cut-offs (default 20)")
    parser.add_argument("--json", help="also write the metrics to this JSON file")
    args = parser.parse_args()
    if any(k <= 0 for k in args.k):
        parser.error("--k values must be positive")
    ks = sorted(set(args.k))
    try:
        metrics, candidates = evaluate(args.split_dir, args.features, ks)
    except (InputError, OSError) as error:
        sys.exit(f"content_baseline.py: error: {error}")

    pairs = metrics[str(ks[0])]["pairs"]
    print(f"content-profile baseline: {pairs} cold-item pairs, {candidates} candidate items")
    print(f"{'K':>4} {'pairs':>7} {'recall':>8} {'precision':>9} {'f1':>8}")
    for k in ks:
        m = metrics[str(k)]
        print(f"{k:>4} {m['pairs']:>7} {m['recall']:>8.4f} {m['precision']:>9.4f} {m['f1']:>8.4f}")
    if pairs == 0:
        print("content_baseline.py: warning: no test row has cold == 2 (was the split written "
              "with --cold-item-fraction?)", file=sys.stderr)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"cold_item": metrics}, handle, indent=2)
            handle.write("\n")


if __name__ == "__main__":
    main()
