"""Independent reference for `sceneals recommend --items` (fold-in): the user's factor solved with
numpy from docs/design.md's user step, the parameters read from the model's root attributes (lambda,
alpha, mu, and confidence, epsilon, average-weight from `configuration`):
    A = sum_j c_j y_j y_j' + (lambda + w) I,   b = sum_j c_j (p_j - b_j) y_j + w z
over every active item j of the scene (c_j = 1 + alpha r_j where observed, else 1; p_j = 1 where
observed), w = mu_s (x the number of items with average-weight = count) and z the user's
bridged vector for the scene when the model knows USER (its stored row when cold there, else the
bridge applied to [z_u, 1]), no prior otherwise. The program's scores must be the reference's
(float32 against float64: within 1e-4), its items the reference's top K (tied items may swap).

usage: fold_in_reference.py MODEL SCENE ITEMS(comma-separated) OUTPUT_CSV K [USER]
"""
import csv
import math
import os
import sys
from collections import Counter

import h5py
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval"))
import sceneals_model  # noqa: E402  (the reader example: served user rows of format 1 and 2)


def configuration(text):
    return dict(line.split(" = ", 1) for line in text.splitlines() if line)


def main():
    model, scene, items, output, k = sys.argv[1:6]
    k = int(k)
    user = sys.argv[6] if len(sys.argv) > 6 else None
    counts = Counter(items.split(","))
    with h5py.File(model, "r") as f:
        attrs = {name: (v.decode() if isinstance(v, bytes) else v) for name, v in f.attrs.items()}
        config = configuration(attrs["configuration"])
        lam, alpha = float(attrs["lambda"]), float(attrs["alpha"])
        mu = {s: float(v) for s, v in (p.split("=") for p in attrs["mu"].split(","))}[scene]
        item_ids = [i.decode() for i in f["items/id"][()]]
        users = {u.decode(): r for r, u in enumerate(f["users/id"][()])}
        group = f["scenes"][scene]
        active = np.flatnonzero(group["item_active"][()])
        Y = group["item_factors"][()].astype(np.float64)[active]
        prior = None
        if user in users:
            r = users[user]
            if not sceneals_model.user_active(f, scene)[r]:
                prior = sceneals_model.user_rows(f, scene)[r].astype(np.float64)[:-1]
            elif "bridge" in group:
                z = f["shared/user_factors"][r].astype(np.float64)
                prior = group["bridge"][()].astype(np.float64).T @ np.append(z, 1.0)
            else:
                prior = f["shared/user_factors"][r].astype(np.float64)
    ids = [item_ids[i] for i in active]
    kk = Y.shape[1] - 1
    conf = np.ones(len(ids))
    pref = np.zeros(len(ids))
    for item, r in counts.items():
        j = ids.index(item)
        conf[j] = (1 + alpha * math.log1p(r / float(config["epsilon"]))
                   if config["confidence"] == "log" else 1 + alpha * r)
        pref[j] = 1.0
    w = 0.0
    if prior is not None:
        w = mu * (len(counts) if config["average-weight"] == "count" else 1.0)
    F, bias = Y[:, :kk], Y[:, kk]
    A = F.T @ (conf[:, None] * F) + (lam + w) * np.eye(kk)
    b = F.T @ (conf * (pref - bias)) + (w * prior if w > 0 else 0.0)
    x = np.linalg.solve(A, b)
    scores = F @ x + bias
    best = np.argsort(-scores, kind="stable")[:k]

    with open(output, newline="") as f:
        got = list(csv.DictReader(f))
    assert len(got) == len(best), f"{len(got)} items, expected {len(best)}"
    tol = 1e-4
    for line, j in zip(got, best):
        assert line["source"] == "folded-in", line
        score, item = float(line["score"]), line["item"]
        assert abs(score - scores[j]) <= tol * (1 + abs(scores[j])), (line, scores[j])
        mine = scores[ids.index(item)]
        assert abs(mine - scores[j]) <= tol * (1 + abs(scores[j])), (line, ids[j], scores[j])
    print(f"ok: fold-in of {len(counts)} items in '{scene}'"
          + (f" with the prior of '{user}' (w = {w:g})" if prior is not None else " (no prior)")
          + f" matches the numpy solve; top {k} agree")


if __name__ == "__main__":
    main()
