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
    version = int(f.attrs["format_version"])
    if version not in (1, 2):
        raise ValueError(f"format_version {version} is not supported (this reader reads 1 and 2)")
    return version


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
    """Format 2: the rows the scene serves users with shared factors `z` ([m, k]) and no row of
    their own (a format 1 file stores those rows itself: use user_rows)."""
    if format_version(f) != 2:
        raise ValueError("cold_rows reads format 2 files; format 1 stores every row")
    rule = text(f.attrs["cold_user_rows"])
    if rule not in ("bridge", "unit"):
        raise ValueError(f"cold_user_rows is {rule!r}, expected 'bridge' or 'unit'")
    k = z.shape[1]
    rows = np.zeros((z.shape[0], k + 1), dtype=np.float32)
    rows[:, k] = 1.0
    if rule == "unit":
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
    index, stored = stored_users(f, scene), group["user_factors"][()]
    if stored.shape != (len(index), rows.shape[1]):
        raise ValueError(f"scene {scene}: user_factors {stored.shape} for {len(index)} users")
    rows[index] = stored
    return rows
