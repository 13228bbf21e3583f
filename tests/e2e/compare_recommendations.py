"""Two top-K lists of the same users agree: `sceneals recommend`'s CSV and another program's
(user,rank,item,score; extra columns are ignored). Both compute float32 scores, summed in their
own orders, so two items whose scores are within rounding of each other may swap places: where
the lists name different items at a rank, their float64 scores recomputed from the model must
tie (within TOL); every score must match the other list's at the same rank within TOL.

usage: compare_recommendations.py MODEL SCENE EXPECTED_CSV ACTUAL_CSV [TOL]
"""
import csv
import os
import sys
import h5py
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval"))
import sceneals_model  # noqa: E402  (the reader example: served user rows of format 1 and 2)


def read(path):
    """The lists in file order: [(user, [(rank, item, score, row)])]; a list starts at rank 1
    (a user listed twice has two lists)."""
    lists = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["rank"] == "1":
                lists.append((row["user"], []))
            lists[-1][1].append((int(row["rank"]), row["item"], float(row["score"]), row))
    return lists


def main():
    model, scene, expected_path, actual_path = sys.argv[1:5]
    tol = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-5
    expected, actual = read(expected_path), read(actual_path)
    assert [u for u, _ in expected] == [u for u, _ in actual], \
        "the files list other users, or in another order"
    with h5py.File(model, "r") as f:
        user_row = {u.decode(): r for r, u in enumerate(f["users/id"][()])}
        item_row = {i.decode(): r for r, i in enumerate(f["items/id"][()])}
        X = sceneals_model.user_rows(f, scene).astype(np.float64)
        Y = f["scenes"][scene]["item_factors"][()].astype(np.float64)
    swaps = 0
    for (user, a), (_, b) in zip(expected, actual):
        assert len(a) == len(b), f"{user}: {len(a)} items against {len(b)}"
        x = X[user_row[user]]
        for (rank_a, item_a, score_a, _), (rank_b, item_b, score_b, _) in zip(a, b):
            assert rank_a == rank_b, f"{user}: ranks {rank_a} and {rank_b}"
            assert abs(score_a - score_b) <= tol * (1 + abs(score_a)), (user, rank_a, score_a, score_b)
            if item_a != item_b:
                exact_a, exact_b = x @ Y[item_row[item_a]], x @ Y[item_row[item_b]]
                assert abs(exact_a - exact_b) <= tol * (1 + abs(exact_a)), (
                    f"{user} rank {rank_a}: {item_a} ({exact_a}) against {item_b} ({exact_b}) "
                    "is not a tie")
                swaps += 1
    print(f"ok: {len(expected)} lists agree ({swaps} tied items in another order)")


if __name__ == "__main__":
    main()
