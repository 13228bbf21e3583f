#!/usr/bin/env python3
"""The scaling model of docs/performance.md ("Scaling model"): bytes sent, memory held and time
per iteration per rank, as functions of the workload (users, items, scenes, interactions, k)
and the machine (ranks, grid, network bandwidth).

  python3 tests/bench/scaling_model.py validate [--sceneals build/app/sceneals] [--work DIR]
      generates workloads A, B and C (and a tiny one), trains each with --benchmark at grids
      1x1, 1x2, 1x4, 1x8, 2x2 and 2x4 (4 and 8 ranks oversubscribe a small machine: bytes and
      memory are still exact), and prints the model's bytes per phase and each stage's peak
      memory per rank beside the measured ones. Exit 1 when the bytes per iteration or the
      job's peak memory per rank of any run is off by more than 15%. About 4 minutes on 2 cores.
  python3 tests/bench/scaling_model.py project [--nodes 64] [--gbits 100] [--node-gflops 960]
      the projection for 10^9 interactions, 5 x 10^7 users, 10^7 items, 20 scenes, k = 64.

Bytes and FLOPs follow the code exactly (solver/row_supply.h's choice, solver/row_exchange.h's
batches, mpi/traffic_meter.h's counting, solver/flop_count.h). Memory counts the training's
structures from their sizes (memory_per_rank); what the code's structures do not give exactly
(bytes per input line, per id read, per catalogue id, per rating held, per stage) is fitted on
workloads A and B, and C is predicted with those costs. Each stage's peak is measured over what
the same stage holds for a tiny input at the same grid (MPI's and HDF5's buffers, the code).
"""
import argparse
import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass

FLOAT = 4
CSR_ENTRY = 8  # int32 position + float value, in each orientation
ROW_OFFSET = 8  # int64 CSR offset per row
LIST_ENTRY = 8  # int64 global row of every scene user and item, on every rank of the group
AVERAGING_PLAN = 10  # per shard user: group_index, group_users (int32), multi_scene, supplies
EXCHANGE_PLAN = 8  # per rating of an exchanged side: renumbered column + row to send (int32)


@dataclass
class Scene:
    users: int  # U_s, users with training data in the scene
    items: int  # I_s
    ratings: int  # R_s, training ratings
    test: int = 0  # test ratings kept for the evaluation
    group: int = 0
    # Each user's (item's) share of the scene's ratings, when known (numpy arrays); None: even.
    user_shares: object = None
    item_shares: object = None


@dataclass
class Workload:
    users: int  # U, every user of the catalogue
    items: int
    scenes: list
    k: int
    groups: int  # G
    shards: int  # S, ranks per scene group
    multi_group_users: int = 0  # M, users active in scenes of two or more groups
    budget: int = 64 << 20  # --exchange-buffer-mb
    evaluate: bool = True

    @property
    def w(self):
        return self.k + 1

    def group_scenes(self, g):
        return [s for s in self.scenes if s.group == g]


def distinct_rows(table_rows, ratings, shares=None):
    """Expected distinct rows named by `ratings` ratings drawn from the rows by their `shares`
    of the ratings (even when None): sum over rows of 1 - e^(-ratings x share)."""
    if shares is None:
        return table_rows * (1.0 - math.exp(-ratings / table_rows))
    import numpy as np
    return float(np.sum(-np.expm1(-ratings * shares)))


def exchanged_rows(table_rows, ratings, batch_rows, shares=None):
    """Rows a block of `ratings` ratings fetches from a table of `table_rows` rows, in batches
    of at most `batch_rows` distinct rows (solver/row_exchange.h): a batch closes at the b
    ratings that name batch_rows distinct rows, and a row named in several batches travels once
    per batch."""
    if table_rows == 0 or ratings == 0:
        return 0.0
    if distinct_rows(table_rows, ratings, shares) <= batch_rows:
        return distinct_rows(table_rows, ratings, shares)
    low, high = 0.0, float(ratings)  # ratings per batch, by bisection on the distinct rows
    for _ in range(60):
        middle = (low + high) / 2
        if distinct_rows(table_rows, middle, shares) < batch_rows:
            low = middle
        else:
            high = middle
    return ratings / max(low, 1.0) * batch_rows


def row_source(w: Workload, table_rows, block_ratings, shares=None):
    """'local', 'replicated' or 'exchanged', by solver/row_supply.cpp's rule, with the rows the
    exchange would receive from other ranks (ratings drawn by the rows' shares)."""
    S = w.shards
    if S == 1:
        return "local", 0.0
    batch_rows = min(table_rows, w.budget // (FLOAT * w.w))  # the budget over all owners
    received = exchanged_rows(table_rows, block_ratings, batch_rows, shares) * (S - 1) / S
    gathered = table_rows * (S - 1) / S
    if table_rows * FLOAT * w.w <= w.budget and gathered <= 2 * received:
        return "replicated", gathered
    return "exchanged", received


def bytes_per_rank(w: Workload, g=0):
    """Payload bytes one rank of group g sends per iteration, per phase (user step, averaging,
    item step), as mpi/traffic_meter.h counts them."""
    S, G, row = w.shards, w.groups, FLOAT * w.w
    gram = 2 * (S - 1) / S * FLOAT * w.w * w.w if S > 1 else 0.0
    user = item = 0.0
    for s in w.group_scenes(g):
        user += gram
        item += gram
        y_source, y_rows = row_source(w, s.items, s.ratings / S, s.item_shares)
        x_source, x_rows = row_source(w, s.users, s.ratings / S, s.user_shares)
        # Replicated: each rank's slice goes to the S - 1 others. Exchanged: the rows one rank's
        # block needs from the others, the same volume it sends on average.
        user += row * y_rows if y_source == "exchanged" else 0.0
        item += row * (s.users / S * (S - 1) if x_source == "replicated" else x_rows)
        item += row * s.items / S * (S - 1) if y_source == "replicated" else 0.0
    averaging = 2 * (G - 1) / G * row * w.multi_group_users / S if G > 1 else 0.0
    return user, averaging, item


def memory_per_rank(w: Workload, g=0):
    """Bytes one rank of group g holds at its peak during training, beyond the process's own
    footprint: the data, the factors, the plans, and the largest transient buffer."""
    S, row = w.shards, FLOAT * w.w
    scenes = w.group_scenes(g)
    ratings = sum(s.ratings for s in scenes)
    lists = sum(s.users + s.items for s in scenes)
    held = {
        "ratings both ways": 2 * CSR_ENTRY * ratings / S + ROW_OFFSET * lists / S,
        "scene user and item lists": LIST_ENTRY * lists,
        "x and y rows": row * lists / S,
        "z and the averaging plan": (FLOAT * w.k + AVERAGING_PLAN) * w.users / S,
    }
    replicated_items = exchange_plans = transient = 0.0
    for s in scenes:
        y_source, _ = row_source(w, s.items, s.ratings / S, s.item_shares)
        x_source, x_rows = row_source(w, s.users, s.ratings / S, s.user_shares)
        if y_source == "replicated":
            replicated_items += row * s.items
        if y_source == "exchanged":
            exchange_plans += EXCHANGE_PLAN * s.ratings / S
        if x_source == "exchanged":
            exchange_plans += EXCHANGE_PLAN * s.ratings / S
        # The item step's user rows of one scene at a time: X_s gathered, or a batch of the
        # exchange (at most the budget, received and packed).
        if x_source == "replicated":
            transient = max(transient, row * s.users)
        elif x_source == "exchanged":
            transient = max(transient, min(2 * w.budget, 2 * row * x_rows))
    held["Y_s held whole (replicated)"] = replicated_items
    held["exchange plans"] = exchange_plans
    held["largest transient: X_s or a batch"] = transient
    return held


def row_flops(n, d, width):
    """One row with n observations solved for d unknowns (solver/flop_count.h, exact solver, or
    the low-rank form where it is cheaper)."""
    exact = 2 * n * d + 2 * n * (width - d) + n * d * (d + 1) + d ** 3 / 3 + 2 * d * d
    low_rank = (n * d * d + n * (n + 1) * d + n ** 3 / 3 + 2 * n * n + 2 * n * d + 2 * d * d)
    return min(exact, low_rank)


def flops_per_rank(w: Workload, g=0):
    """FLOPs of one iteration on one rank of group g: per scene the partial Gram matrices of the
    rank's rows (m w (w + 1)) and every row's solve, with each row's observations taken as the
    scene's mean (the averaging's 4 k per pair is negligible)."""
    S, W, k = w.shards, w.w, w.k
    total = 0.0
    for s in w.group_scenes(g):
        if s.users == 0 or s.items == 0:
            continue
        users, items = s.users / S, s.items / S
        total += users * W * (W + 1) + users * row_flops(s.ratings / s.users, k, W)
        total += items * W * (W + 1) + items * row_flops(s.ratings / s.items, W, W)
    return total


def seconds_per_iteration(w: Workload, flop_rate, bandwidth_bytes, latency=5e-6, g=0):
    """Compute at `flop_rate` per rank, plus the bytes at `bandwidth_bytes` per second, plus a
    latency per exchange round: the steps do not overlap communication with compute."""
    user, averaging, item = bytes_per_rank(w, g)
    rounds = 0
    for s in w.group_scenes(g):
        for table, shares in ((s.users, s.user_shares), (s.items, s.item_shares)):
            source, rows = row_source(w, table, s.ratings / w.shards, shares)
            if source == "exchanged":
                rounds += max(1, math.ceil(rows * FLOAT * w.w / w.budget * 2)) * w.shards
    return (flops_per_rank(w, g) / flop_rate + (user + averaging + item) / bandwidth_bytes +
            rounds * latency)


# ---- validation --------------------------------------------------------------------------

def run(cmd, log):
    with open(log, "w") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=True)
    return open(log).read()


def mpirun(ranks):
    return ["mpirun", "-np", str(ranks), "--oversubscribe"] if ranks > 1 else []


def input_shares(path):
    """Per scene of a generated CSV (user,item,scene,...), each user's and each item's share
    of the scene's lines, as numpy arrays."""
    import collections
    import numpy as np
    users, items = collections.defaultdict(collections.Counter), collections.defaultdict(
        collections.Counter)
    with open(path) as f:
        next(f)
        for line in f:
            user, item, scene = line.split(",", 3)[:3]
            users[scene][user] += 1
            items[scene][item] += 1
    shares = {}
    for scene in users:
        u = np.fromiter(users[scene].values(), dtype=np.float64)
        i = np.fromiter(items[scene].values(), dtype=np.float64)
        shares[scene] = (u / u.sum(), i / i.sum())
    return shares


def measured_workload(log, model_file, k, grid, budget, shares):
    """The workload as the run saw it: scene sizes from the written file, groups and test
    counts from the log, the users' and items' shares of each scene from the input."""
    import h5py
    G, S = (int(x) for x in grid.split("x"))
    groups = {m.group(1): int(m.group(2)) for m in
              re.finditer(r"^\s+scene (\S+)\s+\d+ interactions\s+group (\d+)", log, re.M)}
    split = re.search(r"split .*: (\d+) train, (\d+) warm test, (\d+) cold-scene test", log)
    scenes, user_groups = [], {}
    with h5py.File(model_file, "r") as f:
        users, items = f["users/id"].shape[0], f["items/id"].shape[0]
        for name in f["scenes"]:
            index = f["scenes"][name]["user_index"][:]
            scenes.append(Scene(users=index.size, items=int(f["scenes"][name]["item_active"][:].sum()),
                                ratings=0, group=groups[name], user_shares=shares[name][0],
                                item_shares=shares[name][1]))
            for u in index:
                user_groups.setdefault(int(u), set()).add(groups[name])
    counts = {m.group(1): int(m.group(2)) for m in
              re.finditer(r"^\s+scene (\S+)\s+(\d+) interactions", log, re.M)}
    train, test = int(split.group(1)), int(split.group(2)) + int(split.group(3))
    total = sum(counts.values())
    for s, name in zip(scenes, sorted(counts)):
        s.ratings = round(counts[name] * train / total)  # the split keeps each scene's share
        s.test = round(counts[name] * test / total)
    multi = sum(1 for gs in user_groups.values() if len(gs) > 1)
    return Workload(users=users, items=items, scenes=scenes, k=k, groups=G, shards=S,
                    multi_group_users=multi, budget=budget)


def parse_benchmark(log):
    phases = {}
    for name in ("user step", "averaging", "item step"):
        m = re.search(r"^%s\s.*\s(\d+\.\d+)$" % name, log, re.M)
        phases[name] = float(m.group(1)) * 1e6
    stages = dict((name, float(mb) * 1e6) for name, mb in re.findall(
        r" (\w+) ([\d.]+)", re.search(r"^peak memory of each stage[^:]*:(.*)$", log, re.M).group(1)))
    lines = int(re.search(r"^read (\d+) interactions", log, re.M).group(1))
    return phases, stages, lines


STAGES = ("read", "shard", "train", "write")


def stage_terms(w: Workload, lines, g=0):
    """What each stage's own peak grows with, beyond the process's footprint, per rank of group
    g: counts whose bytes each are calibrated (see validate), plus, for the stages that hold the
    trainer, the bytes memory_per_rank counts from the code's structures."""
    P, S = w.groups * w.shards, w.shards
    n = lines / P  # the rank's share of the input lines
    # Ids are interned per rank before routing: a user's lines are spread over the whole file,
    # so the distinct ids in a rank's share shrink slower than 1 / P; after routing by user, a
    # rank still names nearly every item of its scenes (it asks the items' owners for their rows).
    users_read = w.users * (1 - math.exp(-n / w.users))
    items_read = w.items * (1 - math.exp(-n / w.items))
    catalogue = (w.users + w.items) / S  # this shard's ids, after routing
    ratings = sum(s.ratings + s.test for s in w.group_scenes(g)) / S
    counted = sum(memory_per_rank(w, g).values())
    read = {"input lines": n, "users read": users_read, "items read": items_read}
    return {
        "read": (read, 0.0),
        "shard": (dict(read, **{"catalogue ids": catalogue}), 0.0),
        "train": ({"ratings": ratings, "catalogue ids": catalogue, "items read": items_read},
                  counted),
        "write": ({"ratings": ratings, "catalogue ids": catalogue, "items read": items_read},
                  counted),
    }


def calibrate(runs):
    """Per stage, bytes per unit of each term: least squares over `runs` (workload, lines,
    footprint, measured stage peaks), the counted bytes taken as they are."""
    import numpy as np
    costs = {}
    for stage in STAGES:
        rows, rhs = [], []
        for w, lines, footprint, measured in runs:
            terms, counted = stage_terms(w, lines)[stage]
            rows.append(list(terms.values()))
            rhs.append(measured[stage] - footprint[stage] - counted)
        solution = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
        costs[stage] = dict(zip(stage_terms(runs[0][0], runs[0][1])[stage][0], solution))
    return costs


def stage_peaks(w: Workload, lines, footprint, costs):
    """Each stage's peak per rank (the largest group's), by the calibrated costs, over its
    `footprint` (the stage's peak on a tiny input at the same grid)."""
    peaks = {}
    for stage in STAGES:
        peaks[stage] = footprint[stage] + max(
            counted + sum(costs[stage][name] * value for name, value in terms.items())
            for terms, counted in (stage_terms(w, lines, g)[stage] for g in range(w.groups)))
    return peaks


def validate(args):
    os.makedirs(args.work, exist_ok=True)
    sceneals = args.sceneals
    workloads = {  # name: (generate arguments, k, budget MB)
        "A": (["--users", "400000", "--items", "40000", "--interactions", "4000000",
               "--scenes", "4", "--seed", "5"], 32, 64),
        "B": (["--users", "150000", "--items", "300000", "--interactions", "3000000",
               "--scenes", "3", "--seed", "7"], 48, 4),
        "C": (["--users", "250000", "--items", "120000", "--interactions", "3000000",
               "--scenes", "5", "--seed", "9"], 40, 16),
        "tiny": (["--users", "2000", "--items", "400", "--interactions", "20000",
                  "--scenes", "4", "--seed", "5"], 32, 64),
    }
    for name, (gen, _, _) in workloads.items():
        path = os.path.join(args.work, name + ".csv")
        if not os.path.exists(path):
            run([sceneals, "generate", "--output", path] + gen, path + ".log")
    grids = ("1x1", "1x2", "1x4", "1x8", "2x2", "2x4")
    results = {}  # (set, grid) -> (workload, lines, footprint, phases, stages)
    for name in ("A", "B", "C"):
        _, k, budget = workloads[name]
        shares = input_shares(os.path.join(args.work, name + ".csv"))
        for grid in grids:
            G, S = (int(x) for x in grid.split("x"))
            common = ["train", "--factors", str(k), "--iterations", "2", "--mu", "1",
                      "--benchmark", "--grid", grid, "--exchange-buffer-mb", str(budget)]
            out = os.path.join(args.work, "%s_%s" % (name, grid))
            base_log = run(mpirun(G * S) + [sceneals] + common + [
                "--input", os.path.join(args.work, "tiny.csv"), "--output", out + "_tiny.h5"],
                out + "_tiny.log")
            log = run(mpirun(G * S) + [sceneals] + common + [
                "--input", os.path.join(args.work, name + ".csv"), "--output", out + ".h5"],
                out + ".log")
            work = measured_workload(log, out + ".h5", k, grid, budget << 20, shares)
            phases, stages, lines = parse_benchmark(log)
            footprint = parse_benchmark(base_log)[1]  # per stage: its buffers without data
            results[(name, grid)] = (work, lines, footprint, phases, stages)
    # The per-unit costs come from workloads A and B; workload C (another shape, k and budget)
    # is predicted with them.
    costs = calibrate([(r[0], r[1], r[2], r[4]) for key, r in results.items() if key[0] != "C"])
    print("bytes per unit, calibrated on workloads A and B:")
    for stage in STAGES:
        print("  %-6s %s" % (stage, ", ".join("%s %.1f" % kv for kv in costs[stage].items())))
    worst = {"A": 0.0, "B": 0.0, "C": 0.0}
    print("%-3s %-4s %-9s %9s %9s %9s  %s" % ("set", "grid", "", "user MB", "avg MB", "item MB",
                                              "peak MB: " + " ".join("%7s" % s for s in STAGES)
                                              + "     job"))
    for (name, grid), (work, lines, footprint, phases, stages) in results.items():
        G = work.groups
        model_bytes = [max(bytes_per_rank(work, g)[p] for g in range(G)) for p in range(3)]
        measured_bytes = [phases["user step"], phases["averaging"], phases["item step"]]
        model_peaks = stage_peaks(work, lines, footprint, costs)
        measured_peaks = {stage: stages[stage] for stage in STAGES}
        model_job, measured_job = max(model_peaks.values()), max(stages.values())
        print("%-3s %-4s %-9s %9.2f %9.2f %9.2f  %9s %s %7.1f" % (
            name, grid, "model", *(b / 1e6 for b in model_bytes), "",
            " ".join("%7.1f" % (model_peaks[s] / 1e6) for s in STAGES), model_job / 1e6))
        print("%-3s %-4s %-9s %9.2f %9.2f %9.2f  %9s %s %7.1f" % (
            "", "", "measured", *(b / 1e6 for b in measured_bytes), "",
            " ".join("%7.1f" % (measured_peaks[s] / 1e6) for s in STAGES), measured_job / 1e6))
        # The figures judged: bytes per iteration and the job's peak, per rank (the phases and
        # stages above are the detail; a phase of about 1 MB can flip between gathering and
        # exchanging with the data's exact counts).
        for m, b in ((sum(measured_bytes), sum(model_bytes)), (measured_job, model_job)):
            if m > 1e6:
                worst[name] = max(worst[name], abs(b - m) / m)
    for name in ("A", "B", "C"):
        print("workload %s%s: largest relative error of bytes per iteration and peak memory per "
              "rank: %.1f%%" % (name, " (held out)" if name == "C" else "", 100 * worst[name]))
    return 0 if max(worst.values()) <= 0.15 else 1


# ---- projection --------------------------------------------------------------------------

def projection_workload(groups, shards):
    """10^9 interactions, 5 x 10^7 users, 10^7 items, 20 scenes (assumptions in project())."""
    scenes = 20
    users, items, ratings = 50_000_000, 10_000_000, 1_000_000_000
    scene_users = round(users * 1.5 / scenes)  # each user active in 1.5 scenes on average
    scene_items = round(items / scenes)  # each item belongs to one scene
    train = round(ratings * 0.9)  # the held-out 10% kept for the evaluation
    per_group = scenes // groups
    workload = Workload(users=users, items=items, k=64, groups=groups, shards=shards, scenes=[
        Scene(users=scene_users, items=scene_items, ratings=train // scenes,
              test=(ratings - train) // scenes, group=s // per_group) for s in range(scenes)])
    # Half of the users are in one scene, half in two; a pair of scenes falls in two groups
    # with probability (G - 1) / G x 20 / 19 (scenes spread evenly over the groups).
    pair_split = (1 - (per_group - 1) / (scenes - 1))
    workload.multi_group_users = round(users / 2 * pair_split) if groups > 1 else 0
    return workload


# Bytes per unit of what the code's structures do not give exactly, fitted by `validate` on
# workloads A and B (AMD EPYC, 2026-12-05; rerun validate to refit on another machine).
COSTS = {
    "read": {"input lines": 27.8, "users read": 125.7, "items read": 141.7},
    "shard": {"input lines": 59.4, "users read": 55.2, "items read": 283.1,
              "catalogue ids": 171.7},
    "train": {"ratings": 24.5, "catalogue ids": 89.0, "items read": 137.3},
    "write": {"ratings": 5.4, "catalogue ids": 123.3, "items read": 226.7},
}


def project(args):
    nodes, bandwidth = args.nodes, args.gbits * 1e9 / 8
    flop_rate = args.node_gflops * 1e9
    lines = 1_000_000_000
    print("10^9 interactions, 5e7 users, 1e7 items, 20 scenes, k = 64; %d nodes, one rank per "
          "node, %.0f Gb/s, %.0f GFLOP/s attained per node, %.0f MB per rank without data"
          % (nodes, args.gbits, args.node_gflops, args.process_mb))
    print("%-6s %8s %8s %8s %8s | %6s %6s %6s %6s | %8s %8s %8s" % (
        "grid", "user GB", "avg GB", "item GB", "all GB", "read", "shard", "train", "write",
        "compute", "network", "s/iter"))
    footprint = {stage: args.process_mb * 1e6 for stage in STAGES}
    for groups in (1, 2, 4, 5, 10, 20):
        if nodes % groups or 20 % groups:
            continue
        w = projection_workload(groups, nodes // groups)
        sent = [max(bytes_per_rank(w, g)[p] for g in range(groups)) for p in range(3)]
        peaks = stage_peaks(w, lines, footprint, COSTS)
        compute = max(flops_per_rank(w, g) for g in range(groups)) / flop_rate
        network = sum(sent) / bandwidth
        print("%-6s %8.2f %8.2f %8.2f %8.2f | %6.1f %6.1f %6.1f %6.1f | %8.1f %8.1f %8.1f" % (
            "%dx%d" % (groups, nodes // groups), *(b / 1e9 for b in sent), sum(sent) / 1e9,
            *(peaks[stage] / 1e9 for stage in STAGES), compute, network,
            seconds_per_iteration(w, flop_rate, bandwidth)))
    w = projection_workload(args.groups, nodes // args.groups)
    print("\ntraining's structures per node at %dx%d (memory_per_rank):" % (
        args.groups, nodes // args.groups))
    for name, value in memory_per_rank(w).items():
        print("  %-36s %8.2f GB" % (name, value / 1e9))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate")
    v.add_argument("--sceneals", default="build/app/sceneals")
    v.add_argument("--work", default="build/scaling-model")
    p = sub.add_parser("project")
    p.add_argument("--nodes", type=int, default=64)
    p.add_argument("--gbits", type=float, default=100.0, help="link bandwidth, Gb/s")
    p.add_argument("--node-gflops", type=float, default=960.0,
                   help="attained GFLOP/s per node (default: 960, 64 cores at the 15 GFLOP/s "
                        "one core attains for a whole k = 64 iteration on AMD EPYC)")
    p.add_argument("--process-mb", type=float, default=100.0,
                   help="a rank's footprint without data, per stage (default: 100)")
    p.add_argument("--groups", type=int, default=4, help="scene groups of the detailed table")
    args = parser.parse_args()
    return validate(args) if args.command == "validate" else project(args)


if __name__ == "__main__":
    sys.exit(main())
