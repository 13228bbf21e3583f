"""Reading a SceneALS embedding file with h5py and numpy alone (docs/embedding-file.md): the rows
each scene serves its users, for format versions 1 and 2. A version 2 file stores a scene's rows
for the users active there only; a user without training data in the scene is served
[B_s' [z_u, 1], 1] (or [z_u, 1] where the scene has no bridge) when the root attribute
cold_user_rows is "bridge", and [0, 1] when it is "unit". A version 1 file stores every row.

    import h5py, sceneals_model
    with h5py.File("model.h5", "r") as f:
        X = sceneals_model.user_rows(f, "books")      # [n_users, k + 1] float32
        Y = f["scenes/books/item_factors"][()]         # [n_items, k + 1]; item_active marks real ones
        scores = X @ Y.T
"""
import numpy as np


def text(value):
    """An HDF5 string attribute as str (h5py gives fixed-length strings as bytes)."""
    return value.decode() if isinstance(value, (bytes, np.bytes_)) else str(value)


def format_version(f):
    return int(f.attrs["format_version"])


def stored_users(f, scene):
    """Version 2: the /users/id rows whose rows the scene stores (its active users), ascending."""
    return f["scenes"][scene]["user_index"][()]


def user_active(f, scene):
    """Per user (row order of /users/id): True where the user has training data in the scene."""
    group = f["scenes"][scene]
    if format_version(f) == 1:
        return group["user_active"][()].astype(bool)
    active = np.zeros(f["users/id"].shape[0], dtype=bool)
    active[stored_users(f, scene)] = True
    return active


def cold_rows(f, scene, z):
    """The rows the scene serves users with shared factors `z` ([m, k]) and no row of their own."""
    k = z.shape[1]
    rows = np.zeros((z.shape[0], k + 1), dtype=np.float32)
    rows[:, k] = 1.0
    if format_version(f) >= 2 and text(f.attrs["cold_user_rows"]) == "unit":
        return rows
    group = f["scenes"][scene]
    if "bridge" in group:
        lifted = np.hstack([z, np.ones((z.shape[0], 1), dtype=np.float32)])
        rows[:, :k] = lifted @ group["bridge"][()]
    else:
        rows[:, :k] = z
    return rows


def user_rows(f, scene):
    """The row the scene serves every user, [n_users, k + 1] float32: [x_us, 1] of a user
    active in the scene, else what the model serves a user without training data there."""
    group = f["scenes"][scene]
    if format_version(f) == 1:
        return group["user_factors"][()]
    rows = cold_rows(f, scene, f["shared/user_factors"][()])
    rows[stored_users(f, scene)] = group["user_factors"][()]
    return rows
