#!/usr/bin/python3
"""A trained model's scene user_factors rows for users without training data in the scene are
[z_u, 1] from /shared/user_factors; active users' rows differ from z_u (they were trained).
Usage: check_inactive_rows.py MODEL.h5"""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    z = f["shared/user_factors"][()]
    k = z.shape[1]
    for name in f["scenes"]:
        x = f[f"scenes/{name}/user_factors"][()]
        active = f[f"scenes/{name}/user_active"][()].astype(bool)
        if not np.array_equal(x[~active, :k], z[~active]):
            sys.exit(f"FAIL: {name}: inactive users' rows are not z_u")
        if active.any() and np.array_equal(x[active, :k], z[active]):
            sys.exit(f"FAIL: {name}: active users' rows equal z_u exactly")
        if not (~active).any():
            sys.exit(f"FAIL: {name}: expected some users without training data in the scene")
print("OK: inactive rows hold z_u")
