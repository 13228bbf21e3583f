#!/usr/bin/python3
"""A trained model's scene user_factors rows for users without training data in the scene are
the bridged vector [B_s' [z_u, 1], 1] (or [z_u, 1] when the scene has no bridge), recomputed
here from /shared/user_factors and /scenes/<s>/bridge; active users' rows are their own.
Usage: check_inactive_rows.py MODEL.h5"""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    z = f["shared/user_factors"][()].astype(np.float64)
    k = z.shape[1]
    for name in f["scenes"]:
        x = f[f"scenes/{name}/user_factors"][()]
        active = f[f"scenes/{name}/user_active"][()].astype(bool)
        if not (~active).any():
            sys.exit(f"FAIL: {name}: expected some users without training data in the scene")
        if "bridge" in f[f"scenes/{name}"]:
            bridge = f[f"scenes/{name}/bridge"][()].astype(np.float64)
            expected = np.hstack([z, np.ones((len(z), 1))]) @ bridge
        else:
            expected = z
        error = np.abs(x[~active, :k] - expected[~active]).max()
        if error > 1e-5 * max(1.0, np.abs(expected).max()):
            sys.exit(f"FAIL: {name}: inactive users' rows differ from the bridged z_u by {error:g}")
        if np.allclose(x[active, :k], expected[active]):
            sys.exit(f"FAIL: {name}: active users' rows equal the bridged vector (not trained?)")
print("OK: inactive rows hold the bridged shared factor")
