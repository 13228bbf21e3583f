"""Independent check of `sceneals export`, against the embedding file read with h5py.
  npy DIR: users.txt and items.txt are the file's ids in row order; every .npy file loads with
    numpy.load (our hand-written header) and equals its dataset: dtype float32 ('<f4') or uint8,
    C order, same shape and values.
  ann-benchmarks FILE SCENE QUERIES: the attributes ann-benchmarks reads (type, distance,
    dimension, point_type, as str); train = the scene's active items [y, b, pad] with every row
    of the same norm; test = the first QUERIES users [x, 1, 0]; test . train = the scores; the
    neighbours are numpy's brute-force top 100 by score (float64; tied items may swap); the
    distances are 1 - cos; train_ids and test_ids name the rows.

usage: check_export.py MODEL npy DIR [SCENE...]
       check_export.py MODEL ann-benchmarks FILE SCENE QUERIES
"""
import os
import sys

import h5py
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval"))
import sceneals_model  # noqa: E402  (the reader example: served user rows of format 1 and 2)


def check_npy(f, directory, scenes):
    for name, dataset in (("users.txt", "users/id"), ("items.txt", "items/id")):
        with open(os.path.join(directory, name)) as text:
            ids = text.read().split("\n")
        assert ids[-1] == "" and ids[:-1] == [i.decode() for i in f[dataset][()]], name
    # Users as every scene serves them (format 2 stores active users' rows only).
    files = {"shared.user_factors.npy": f["shared/user_factors"][()]}
    for scene in scenes:
        files[f"{scene}.user_factors.npy"] = sceneals_model.user_rows(f, scene)
        files[f"{scene}.user_active.npy"] = sceneals_model.user_active(f, scene).astype(np.uint8)
        for part in ("item_factors", "item_active", "bridge"):
            if part in f["scenes"][scene]:
                files[f"{scene}.{part}.npy"] = f["scenes"][scene][part][()]
    assert set(os.listdir(directory)) == set(files) | {"users.txt", "items.txt"}, \
        sorted(set(os.listdir(directory)) ^ (set(files) | {"users.txt", "items.txt"}))
    for name, dataset in files.items():
        array = np.load(os.path.join(directory, name), allow_pickle=False)
        expected = dataset
        assert array.dtype == (np.float32 if expected.dtype.kind == "f" else np.uint8), name
        assert array.flags["C_CONTIGUOUS"] and array.shape == expected.shape, name
        if name.endswith(".user_factors.npy") and name != "shared.user_factors.npy":
            # Stored rows exactly; bridged rows are SceneALS's float32 product against numpy's.
            scene = name[: -len(".user_factors.npy")]
            stored = sceneals_model.user_active(f, scene)
            assert np.array_equal(array[stored], expected[stored]), name
            assert np.allclose(array, expected, rtol=1e-5, atol=1e-6), name
        else:
            assert np.array_equal(array, expected), name
    print(f"ok: {len(files)} .npy files and the id files equal the embedding file")


def check_ann(f, path, scene, queries):
    group = f["scenes"][scene]
    active = np.flatnonzero(group["item_active"][()])
    Y = group["item_factors"][()][active]
    X = sceneals_model.user_rows(f, scene)[:queries]
    item_ids = np.array([i.decode() for i in f["items/id"][()]])[active]
    user_ids = [u.decode() for u in f["users/id"][()][:queries]]
    k1 = Y.shape[1]
    with h5py.File(path, "r") as a:
        assert a.attrs["type"] == "dense" and a.attrs["point_type"] == "float"
        assert a.attrs["distance"] == "angular" and a.attrs["dimension"] == k1 + 1
        train, test = a["train"][()], a["test"][()]
        neighbors, distances = a["neighbors"][()], a["distances"][()]
        assert [i.decode() for i in a["train_ids"][()]] == list(item_ids)
        assert [u.decode() for u in a["test_ids"][()]] == user_ids
    assert train.dtype == np.float32 and neighbors.dtype == np.int32
    assert np.array_equal(train[:, :k1], Y) and np.allclose(test[:, :k1], X, rtol=1e-5, atol=1e-6)
    assert np.all(test[:, k1] == 0)
    norms = np.linalg.norm(train.astype(np.float64), axis=1)
    assert np.allclose(norms, norms.max(), rtol=1e-5), "train rows of different norms"
    scores = test.astype(np.float64) @ train.astype(np.float64).T
    # The extra coordinates change no score: the exported user points against the item rows.
    assert np.allclose(scores, test[:, :k1].astype(np.float64) @ Y.astype(np.float64).T)
    count = min(100, len(active))
    assert neighbors.shape == (queries, count) and distances.shape == (queries, count)
    swaps = 0
    for q in range(queries):
        best = np.argsort(-scores[q], kind="stable")[:count]
        for j, (got, want) in enumerate(zip(neighbors[q], best)):
            if got != want:
                assert abs(scores[q, got] - scores[q, want]) <= 1e-5 * (1 + abs(scores[q, want])), \
                    (q, j, got, want)
                swaps += 1
        cosine = scores[q, neighbors[q]] / (np.linalg.norm(test[q]) * norms[neighbors[q]])
        assert np.allclose(distances[q], 1 - cosine, atol=1e-5), q
    print(f"ok: ann-benchmarks file of '{scene}': {len(active)} items, {queries} queries, top "
          f"{count} equal numpy's brute force ({swaps} tied items in another order)")


def main():
    model, kind, path = sys.argv[1:4]
    with h5py.File(model, "r") as f:
        if kind == "npy":
            check_npy(f, path, sys.argv[4:] or list(f["scenes"]))
        else:
            check_ann(f, path, sys.argv[4], int(sys.argv[5]))


if __name__ == "__main__":
    main()
