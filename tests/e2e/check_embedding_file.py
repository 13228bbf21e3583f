#!/usr/bin/python3
"""Checks a SceneALS embedding file against the layout of docs/embedding-file.md (the embedding
file"): format attributes, every dataset with its shape and dtype, unique ids, finite factors,
the fixed last column 1 of scene user factors, each scene's user_index (ascending user rows, one
per stored row), zero rows for inactive items, contiguous storage.
Usage: check_embedding_file.py FILE [--expect-bridge]  (--expect-bridge: every scene has one).
Exit 1 with a message naming the first problem; exit 0 with a one-line summary otherwise."""
import argparse
import sys

import h5py
import numpy as np

FORMAT = "sceneals-embeddings"
FORMAT_VERSION = 2


def fail(message):
    sys.exit(f"FAIL: {message}")


def text(value):
    return value.decode("utf-8") if isinstance(value, (bytes, np.bytes_)) else str(value)


def dataset(f, path, shape, dtype):
    """The dataset at `path`, read whole, after checking kind, shape, dtype and storage."""
    obj = f.get(path)
    if not isinstance(obj, h5py.Dataset):
        fail(f"{path} is missing or not a dataset")
    if obj.shape != shape:
        fail(f"{path} has shape {obj.shape}, expected {shape}")
    if obj.dtype != np.dtype(dtype):
        fail(f"{path} has dtype {obj.dtype}, expected {np.dtype(dtype)}")
    if obj.chunks is not None:
        fail(f"{path} is chunked; the layout promises contiguous storage (memory-mappable)")
    return obj[()]


def finite_factors(f, path, shape):
    values = dataset(f, path, shape, "<f4")
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        fail(f"{path} has a non-finite value at {tuple(int(i) for i in bad[0])}")
    return values


def ids(f, path):
    obj = f.get(path)
    if not isinstance(obj, h5py.Dataset) or obj.ndim != 1:
        fail(f"{path} is missing or not a one-dimensional dataset")
    if obj.dtype.kind not in "SO" or h5py.check_string_dtype(obj.dtype) is None:
        fail(f"{path} has dtype {obj.dtype}, expected strings")
    values = [text(v) for v in obj[()]]
    seen = set()
    for row, value in enumerate(values):
        if value in seen:
            fail(f"{path} repeats id {value!r} (row {row})")
        seen.add(value)
    return values


def flags(f, path, n):
    values = dataset(f, path, (n,), "u1")
    if len(values) and values.max() > 1:
        fail(f"{path} holds a value other than 0 and 1")
    return values.astype(bool)


# The run's settings that docs/design.md requires among the root attributes of a trained model.
RUN_ATTRIBUTES = ("factors", "lambda", "mu", "alpha", "iterations", "seed", "feedback", "solver",
                  "ranks", "grid", "created", "program_version", "configuration")


def check(path, expect_bridge, expect_run_attributes=False):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(f"cannot open {path}: {e}")
    with f:
        if text(f.attrs.get("format", "")) != FORMAT:
            fail(f"root attribute format is {f.attrs.get('format')!r}, expected {FORMAT!r}")
        if f.attrs.get("format_version") != FORMAT_VERSION:
            fail(f"root attribute format_version is {f.attrs.get('format_version')!r}, "
                 f"expected {FORMAT_VERSION}")
        if text(f.attrs.get("cold_user_rows", "")) not in ("bridge", "unit"):
            fail(f"root attribute cold_user_rows is {f.attrs.get('cold_user_rows')!r}, "
                 "expected 'bridge' or 'unit'")
        if expect_run_attributes:
            missing = [a for a in RUN_ATTRIBUTES if a not in f.attrs]
            if missing:
                fail(f"root attributes missing: {', '.join(missing)}")
        users = ids(f, "users/id")
        items = ids(f, "items/id")
        n_users, n_items = len(users), len(items)
        shared = f.get("shared/user_factors")
        if not isinstance(shared, h5py.Dataset) or shared.ndim != 2:
            fail("shared/user_factors is missing or not two-dimensional")
        k = shared.shape[1]
        if k < 1:
            fail("shared/user_factors has no columns")
        if "factors" in f.attrs and int(f.attrs["factors"]) != k:
            fail(f"root attribute factors is {f.attrs['factors']}, but the factors have {k} columns")
        finite_factors(f, "shared/user_factors", (n_users, k))

        scenes = f.get("scenes")
        if not isinstance(scenes, h5py.Group) or len(scenes) == 0:
            fail("no scene under /scenes")
        feature_names = ids(f, "features/name") if "features/name" in f else None
        bridges = 0
        for name in scenes:
            group = f"scenes/{name}"
            # The scene's active users: their /users/id rows, ascending, and one row each.
            index_set = f.get(f"{group}/user_index")
            if not isinstance(index_set, h5py.Dataset) or index_set.ndim != 1:
                fail(f"{group}/user_index is missing or not one-dimensional")
            index = dataset(f, f"{group}/user_index", index_set.shape, np.int64)
            if len(index) and (index[0] < 0 or index[-1] >= n_users or np.any(np.diff(index) <= 0)):
                fail(f"{group}/user_index is not ascending within [0, {n_users})")
            user_factors = finite_factors(f, f"{group}/user_factors", (len(index), k + 1))
            not_one = np.flatnonzero(user_factors[:, k] != 1.0)
            if len(not_one):
                row = int(index[not_one[0]])
                fail(f"{group}/user_factors row {int(not_one[0])} (user {users[row]!r}) has last "
                     f"column {user_factors[not_one[0], k]}, expected 1")
            item_factors = finite_factors(f, f"{group}/item_factors", (n_items, k + 1))
            item_active = flags(f, f"{group}/item_active", n_items)
            nonzero_inactive = np.flatnonzero(~item_active & np.any(item_factors != 0, axis=1))
            if len(nonzero_inactive):
                row = int(nonzero_inactive[0])
                fail(f"{group}/item_factors row {row} (item {items[row]!r}) is inactive in the "
                     "scene but not zero")
            if feature_names is not None:
                # Items served from features: active, and their rows are W_s' [f, 1] (the
                # caller compares those with the features file; here the shapes and flags).
                from_features = flags(f, f"{group}/item_from_features", n_items)
                if np.any(from_features & ~item_active):
                    fail(f"{group}/item_from_features flags an item that is not active")
                finite_factors(f, f"{group}/feature_map", (len(feature_names) + 1, k + 1))
            elif f"{group}/item_from_features" in f:
                fail(f"{group}/item_from_features without /features/name")
            if f"{group}/bridge" in f:
                finite_factors(f, f"{group}/bridge", (k + 1, k))
                bridges += 1
            elif expect_bridge:
                fail(f"{group}/bridge is missing")
        print(f"OK: {path}: {n_users} users, {n_items} items, k = {k}, {len(scenes)} scenes "
              f"({', '.join(scenes)}), {bridges} bridges, format version {FORMAT_VERSION}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--expect-bridge", action="store_true",
                        help="fail when a scene has no bridge dataset")
    parser.add_argument("--expect-run-attributes", action="store_true",
                        help="fail unless the root holds every run setting docs/design.md lists")
    args = parser.parse_args()
    check(args.file, args.expect_bridge, args.expect_run_attributes)


if __name__ == "__main__":
    main()
