#!/usr/bin/python3
"""Serving a SceneALS embedding file with Faiss and nothing of SceneALS: h5py reads one scene's
factors, a flat inner-product index holds the scene's items, one search gives every user's top K.

A user row is [x_us, 1] and an item row [y_is, b_is], so the score x.y + b is the inner product of
the two rows: IndexFlatIP over the item rows ranks exactly as `sceneals recommend` does. Only the
scene's active items (item_active = 1) go into the index: the others have no factors there.
Prints CSV like `sceneals recommend` (user,rank,item,score), for the users of USERS_FILE (one id
per line).

usage: eval/serve_with_faiss.py MODEL.h5 SCENE USERS_FILE [K]
(Debian's /usr/bin/python3: apt-get install python3-faiss python3-h5py python3-numpy)
"""
import csv
import sys

import faiss
import h5py
import numpy as np

import sceneals_model  # beside this script: the served user rows of format 1 and 2


def load_scene(path, scene):
    """(user ids, user rows [x, 1], active item ids, active item rows [y, b]) of one scene."""
    with h5py.File(path, "r") as f:
        users = [u.decode() for u in f["users/id"][()]]
        items = np.array([i.decode() for i in f["items/id"][()]], dtype=object)
        group = f["scenes"][scene]
        active = group["item_active"][()] != 0
        user_rows = sceneals_model.user_rows(f, scene)  # bridged rows of cold users included
        item_rows = np.ascontiguousarray(group["item_factors"][()][active], dtype=np.float32)
    return users, user_rows, items[active], item_rows


def main():
    model, scene, users_file = sys.argv[1:4]
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    users, user_rows, item_ids, item_rows = load_scene(model, scene)

    index = faiss.IndexFlatIP(item_rows.shape[1])  # inner product = the model's score
    index.add(item_rows)

    row_of = {u: r for r, u in enumerate(users)}
    with open(users_file) as f:
        wanted = [line.rstrip("\r\n") for line in f if line.strip()]
    queries = np.ascontiguousarray(user_rows[[row_of[u] for u in wanted]], dtype=np.float32)
    scores, found = index.search(queries, k)

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["user", "rank", "item", "score"])
    for user, user_scores, user_items in zip(wanted, scores, found):
        for rank, (score, i) in enumerate(zip(user_scores, user_items), start=1):
            if i >= 0:  # Faiss pads with -1 when the scene has fewer than K items
                out.writerow([user, rank, item_ids[i], f"{score:.9g}"])


if __name__ == "__main__":
    main()
