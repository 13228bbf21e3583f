#!/usr/bin/python3
"""The rows a model serves users without training data in a scene, as SceneALS's own reader
computes them (`sceneals export --format npy`), are the bridged vector [B_s' [z_u, 1], 1] (or
[z_u, 1] when the scene has no bridge), recomputed here in float64 from /shared/user_factors and
/scenes/<s>/bridge; active users' rows are the file's stored rows, bit for bit.
Usage: check_inactive_rows.py MODEL.h5 EXPORT_DIR"""
import os
import sys

import h5py
import numpy as np

model, exported = sys.argv[1], sys.argv[2]
with h5py.File(model, "r") as f:
    z = f["shared/user_factors"][()].astype(np.float64)
    k = z.shape[1]
    for name in f["scenes"]:
        x = np.load(os.path.join(exported, f"{name}.user_factors.npy"))
        active = np.load(os.path.join(exported, f"{name}.user_active.npy")).astype(bool)
        index = f[f"scenes/{name}/user_index"][()]
        if not np.array_equal(np.flatnonzero(active), index):
            sys.exit(f"FAIL: {name}: the exported active flags are not the scene's user_index")
        if not (~active).any():
            sys.exit(f"FAIL: {name}: expected some users without training data in the scene")
        if not np.array_equal(x[index], f[f"scenes/{name}/user_factors"][()]):
            sys.exit(f"FAIL: {name}: active users' exported rows are not the stored rows")
        if "bridge" in f[f"scenes/{name}"]:
            bridge = f[f"scenes/{name}/bridge"][()].astype(np.float64)
            expected = np.hstack([z, np.ones((len(z), 1))]) @ bridge
        else:
            expected = z
        error = np.abs(x[~active, :k] - expected[~active]).max()
        if error > 1e-5 * max(1.0, np.abs(expected).max()) or np.any(x[~active, k] != 1.0):
            sys.exit(f"FAIL: {name}: inactive users' rows differ from the bridged z_u by {error:g}")
        if np.allclose(x[active, :k], expected[active]):
            sys.exit(f"FAIL: {name}: active users' rows equal the bridged vector (not trained?)")
print("OK: inactive users are served the bridged shared factor")
