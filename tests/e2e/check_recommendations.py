"""Independent reference for `sceneals recommend --users` (CSV, with --explain): recomputed with
h5py and numpy straight from docs/design.md. Per user of the output:
  - the source: "trained" where user_active = 1, else "bridged" (the scene has a bridge) or
    "shared"; a bridged user's stored row is the scene's bridge applied to [z_u, 1];
  - the list: the top K of the user's row against the scene's active items by float64 score,
    minus the user's training items in the scene with --exclude-seen (tied items may swap);
  - the explanation: its parts add up to the score; the named past items are the user's
    training items in the scene, largest share first; users not trained in the scene have no
    past items, only the item bias and the transferred part.

usage: check_recommendations.py MODEL SCENE OUTPUT_CSV TRAIN_CSV K [--exclude-seen]
"""
import csv
import os
import sys
from collections import defaultdict

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_recommendations import read  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval"))
import sceneals_model  # noqa: E402  (the reader example: served user rows of format 1 and 2)


def main():
    model, scene, output, train_path, k = sys.argv[1:6]
    k = int(k)
    exclude_seen = "--exclude-seen" in sys.argv[6:]
    seen = defaultdict(set)
    with open(train_path, newline="") as f:
        for row in csv.DictReader(f):
            if row["scene"] == scene:
                seen[row["user"]].add(row["item"])
    with h5py.File(model, "r") as f:
        user_row = {u.decode(): r for r, u in enumerate(f["users/id"][()])}
        item_ids = [i.decode() for i in f["items/id"][()]]
        group = f["scenes"][scene]
        X = sceneals_model.user_rows(f, scene).astype(np.float64)
        Y = group["item_factors"][()].astype(np.float64)
        active_users = sceneals_model.user_active(f, scene)
        active_items = np.flatnonzero(group["item_active"][()])
        bridge = group["bridge"][()].astype(np.float64) if "bridge" in group else None
        Z = f["shared/user_factors"][()].astype(np.float64)
    sources = defaultdict(int)
    for user, got in read(output):
        r = user_row[user]
        expected_source = ("trained" if active_users[r] else
                           "bridged" if bridge is not None else "shared")
        lines = [line for _, _, _, line in got]
        assert all(line["source"] == expected_source for line in lines), (user, expected_source)
        sources[expected_source] += 1
        if expected_source == "bridged":
            bridged = bridge.T @ np.append(Z[r], 1.0)
            assert np.allclose(X[r, :-1], bridged, atol=1e-5), f"{user}: not B'[z, 1]"
            assert X[r, -1] == 1.0

        # The list against a brute-force top K.
        scores = Y[active_items] @ X[r]
        candidates = [(-s, i) for s, i in zip(scores, active_items)
                      if not (exclude_seen and item_ids[i] in seen[user])]
        best = sorted(candidates)[:k]
        assert len(got) == len(best), f"{user}: {len(got)} items, expected {len(best)}"
        for (rank, item, score, _), (neg, i) in zip(got, best):
            assert abs(score + neg) <= 1e-5 * (1 + abs(neg)), (user, rank, item, score, -neg)
            if item != item_ids[i]:
                exact = X[r] @ Y[item_ids.index(item)]
                assert abs(exact + neg) <= 1e-5 * (1 + abs(neg)), (user, rank, item, item_ids[i])
            if exclude_seen:
                assert item not in seen[user], f"{user}: training item {item} recommended"

        # The explanation.
        if "because" not in lines[0]:
            continue
        for line in lines:
            named = [part.rsplit("=", 1) for part in line["because"].split(";") if part]
            shares = [float(share) for _, share in named]
            total = sum(shares) + sum(float(line[name]) for name in (
                "other_items", "item_bias", "unobserved_items", "prior", "transferred", "refit"))
            score = float(line["score"])
            assert abs(total - score) <= 1e-5 * (1 + abs(score)), (user, line, total)
            assert shares == sorted(shares, reverse=True), (user, line["because"])
            assert all(item in seen[user] for item, _ in named), (user, line["because"])
            if expected_source != "trained":
                assert not named and float(line["transferred"]) != 0.0, (user, line)
    print("ok: " + ", ".join(f"{n} {s}" for s, n in sorted(sources.items())) +
          f" users match the brute-force top {k}" + (" (training items masked)" if exclude_seen else ""))


if __name__ == "__main__":
    main()
