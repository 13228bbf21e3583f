#!/usr/bin/python3
"""Checks a warm start row by row, from the files alone (an independent reading of the rule in
solver/warm_start.h): WARM and SEEDED are models of the same log trained for 0 iterations, WARM
with --init-from MODEL, SEEDED without. Matched by id (the files' row orders differ), every
trained row of WARM must be
  users: MODEL's row in the scene if the user was active there, else the row MODEL serves the
         user there (bridge of z_u) when MODEL's z_u is not zero; SEEDED's row where that row's
         factors are all zero, and for everyone else;
  items: MODEL's row in the scene if the item was active there and its factors are not all zero
         (with bias 0 in a scene the root attribute popularity_blend blends), else SEEDED's row;
  z_u:   MODEL's z_u for a user active in the same scenes in both (z is the average of the rows).
Stored rows must be equal bit for bit; computed ones (served rows, z) within 1e-5 relative.
With --log, the counts of the job's warm start report must be the ones found here.
Usage: check_warm_start.py MODEL WARM SEEDED [--log TRAIN_LOG]"""
import argparse
import os
import re
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "eval"))
import sceneals_model  # noqa: E402


def ids(f, side):
    return [x.decode() for x in f[side]["id"][()]]


def close(a, b):
    return np.max(np.abs(a - b)) <= 1e-5 * max(1.0, float(np.max(np.abs(b))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("warm")
    parser.add_argument("seeded")
    parser.add_argument("--log")
    args = parser.parse_args()
    counts = dict(user_stored=0, user_served=0, user_seeded=0, item_stored=0, item_seeded=0)
    with h5py.File(args.model, "r") as m, h5py.File(args.warm, "r") as w, \
            h5py.File(args.seeded, "r") as s:
        k = int(w["shared/user_factors"].shape[1])
        m_user = {u: r for r, u in enumerate(ids(m, "users"))}
        m_item = {i: r for r, i in enumerate(ids(m, "items"))}
        w_users, w_items = ids(w, "users"), ids(w, "items")
        if ids(s, "users") != w_users or ids(s, "items") != w_items:
            sys.exit("FAIL: WARM and SEEDED are not of the same log")
        m_scenes = set(m["scenes"])
        m_z = m["shared/user_factors"][()]
        blend = sceneals_model.text(m.attrs.get("popularity_blend", ""))
        blended = {p.rsplit("=", 1)[0] for p in blend.split(",") if p and p.rsplit("=", 1)[1] != "0"}
        active_sets = {}  # user -> the scenes it is active in, in the warm run
        for scene in w["scenes"]:
            w_rows = sceneals_model.user_rows(w, scene)
            s_rows = sceneals_model.user_rows(s, scene)
            w_active = sceneals_model.user_active(w, scene)
            if not np.array_equal(w_active, sceneals_model.user_active(s, scene)):
                sys.exit(f"FAIL: {scene}: WARM and SEEDED train other users")
            in_model = scene in m_scenes
            if in_model:
                m_rows = sceneals_model.user_rows(m, scene)
                m_active = sceneals_model.user_active(m, scene)
            for r in np.flatnonzero(w_active):
                user = w_users[r]
                active_sets.setdefault(user, set()).add(scene)
                mr = m_user.get(user)
                if in_model and mr is not None and m_active[mr] and np.any(m_rows[mr][:k] != 0):
                    exact, expected, kind = True, m_rows[mr], "user_stored"
                elif (in_model and mr is not None and not m_active[mr] and np.any(m_z[mr] != 0)
                      and np.any(m_rows[mr][:k] != 0)):
                    exact, expected, kind = False, m_rows[mr], "user_served"
                else:
                    exact, expected, kind = True, s_rows[r], "user_seeded"
                ok = np.array_equal(w_rows[r], expected) if exact else close(w_rows[r], expected)
                if not ok:
                    sys.exit(f"FAIL: {scene}: user {user} ({kind}) starts from {w_rows[r]}, "
                             f"expected {expected}")
                counts[kind] += 1
            w_item_rows = w["scenes"][scene]["item_factors"][()]
            s_item_rows = s["scenes"][scene]["item_factors"][()]
            if in_model:
                m_item_rows = m["scenes"][scene]["item_factors"][()]
                m_item_active = m["scenes"][scene]["item_active"][()]
            for r in np.flatnonzero(w["scenes"][scene]["item_active"][()]):
                item = w_items[r]
                mr = m_item.get(item)
                if in_model and mr is not None and m_item_active[mr] and np.any(m_item_rows[mr][:k] != 0):
                    expected, kind = m_item_rows[mr].copy(), "item_stored"
                    if scene in blended:
                        expected[k] = 0
                else:
                    expected, kind = s_item_rows[r], "item_seeded"
                if not np.array_equal(w_item_rows[r], expected):
                    sys.exit(f"FAIL: {scene}: item {item} ({kind}) starts from {w_item_rows[r]}, "
                             f"expected {expected}")
                counts[kind] += 1
        # z_u: the average of the user's rows, so the model's own for an unchanged user.
        m_active_sets = {}
        for scene in m_scenes:
            for r in np.flatnonzero(sceneals_model.user_active(m, scene)):
                m_active_sets.setdefault(r, set()).add(scene)
        w_z = w["shared/user_factors"][()]
        w_row = {u: r for r, u in enumerate(w_users)}
        unchanged = 0
        for user, now in active_sets.items():
            if user not in m_user or m_active_sets.get(m_user[user]) != now:
                continue
            if not close(w_z[w_row[user]], m_z[m_user[user]]):
                sys.exit(f"FAIL: z of unchanged user {user}: {w_z[w_row[user]]} vs "
                         f"the model's {m_z[m_user[user]]}")
            unchanged += 1
        if unchanged == 0:
            sys.exit("FAIL: no unchanged user to check z on")
        w_ids, m_ids = set(w_users), set(m_user)
        id_counts = dict(users=(len(w_ids & m_ids), len(w_ids - m_ids), len(m_ids - w_ids)))
        w_i, m_i = set(w_items), set(m_item)
        id_counts["items"] = (len(w_i & m_i), len(w_i - m_i), len(m_i - w_i))
    if args.log:
        log = open(args.log).read()
        for side, (both, new, dropped) in id_counts.items():
            line = f"  {side}: {both:,} from the model, {new:,} new, {dropped:,} in the model only"
            if line not in log:
                sys.exit(f"FAIL: the report lacks '{line}':\n{log}")
        rows = re.search(r"user rows: ([\d,]+) the model's, ([\d,]+) served .*, ([\d,]+) seeded\n"
                         r"\s*item rows: ([\d,]+) the model's, ([\d,]+) from .*, ([\d,]+) seeded",
                         log)
        if not rows:
            sys.exit(f"FAIL: no row counts in the report:\n{log}")
        reported = [int(x.replace(",", "")) for x in rows.groups()]
        found = [counts["user_stored"], counts["user_served"], counts["user_seeded"],
                 counts["item_stored"], 0, counts["item_seeded"]]
        if reported != found:
            sys.exit(f"FAIL: the report counts {reported}, the files {found}")
    print(f"warm start rows as expected: {counts}, {unchanged} unchanged users' z, ids {id_counts}")


if __name__ == "__main__":
    main()
