#!/usr/bin/python3
"""Evidence run of the evaluation issue: every model kind on real data, settings chosen on
validation, scored on test, written up as a Markdown report.

What it does
  1. Converts the shared data sets into the CSV that `sceneals train` reads
     (header user,item,scene,value) under --work-dir:
       douban               douban-gadtcdr book + music; item ids prefixed per scene (b12, m12)
                            because each file numbers its own items; user ids are shared.
       epinions             epinions/ratings.tsv.gz; (user, item) deduplicated keeping the last
                            row; the categories with more than 30,000 rows (12) kept as scenes,
                            named from categories.txt (CRLF) as lower-case slugs; then items with
                            fewer than 5 ratings dropped (one pass). Items are one global
                            catalogue, as DESIGN.md allows.
       amazon-games-videos  amazon-cdrib game_video + video_game train.txt.gz; users 0..2178 are
                            the shared users and keep their id, the others get a per-domain id
                            (g123, v123); items are prefixed per domain; scenes games and videos;
                            value 1. (valid/test.txt are not used: the trainer makes its own
                            split, including users cold in a scene.)
  2. For each data set, model kind (colearn, independent, pooled, popularity) and seed: trains
     every setting of a small grid (GRID below) with `--evaluate-on validation`, picks the one
     with the best overall cold-scene recall@20 on validation (ties: warm recall@20), trains it
     again and evaluates on test (`--evaluate`). popularity has nothing to choose; pooled runs
     with one scene group (`--grid 1xRANKS`), which it needs.
  3. Writes a Markdown report: per data set one table with, per kind and cohort (warm, cold),
     precision, recall, F1 and NDCG at 10 and 20 as mean +- sample standard deviation over the
     seeds, and the chosen settings; the exact command line is at the top. The raw numbers are
     also kept in WORK_DIR/results.json.

How to run (from the repository root, with the Release build in build/):
    source /work/notes/env.sh        # only when running mpirun as root
    eval/run_evidence.py --datasets douban --seeds 1 --quick      # smoke run, about a minute
    eval/run_evidence.py                                           # the full evidence run
Options: --data-dir (default ../shared/data relative to the repository), --datasets, --seeds,
--ranks, --factors, --iterations, --work-dir, --report, --sceneals (the binary), --quick (a
one-setting grid). Every trainer run's output is kept in WORK_DIR/logs/.
"""

import argparse
import collections
import gzip
import itertools
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ["colearn", "independent", "pooled", "popularity"]
DATASETS = ["douban", "epinions", "amazon-games-videos"]
METRICS = ["precision", "recall", "f1", "ndcg"]
METRIC_LABELS = {"precision": "P", "recall": "R", "f1": "F1", "ndcg": "NDCG"}
KS = [10, 20]
COHORTS = ["warm", "cold"]

# Candidate settings per kind (option name -> values); --factors is fixed from the command line.
GRID = {
    "colearn": {"lambda": [0.1, 1], "alpha": [1, 10], "mu": [0, 1], "ridge": [10, 100]},
    "independent": {"lambda": [0.1, 1], "alpha": [1, 10]},
    "pooled": {"lambda": [0.1, 1], "alpha": [1, 10]},
    "popularity": {},
}
QUICK_GRID = {
    "colearn": {"lambda": [0.1], "alpha": [10], "mu": [1], "ridge": [100]},
    "independent": {"lambda": [0.1], "alpha": [10]},
    "pooled": {"lambda": [0.1], "alpha": [10]},
    "popularity": {},
}

# Epinions: scenes are the categories above this many rows; items need this many ratings.
EPINIONS_MIN_SCENE_ROWS = 30000
EPINIONS_MIN_ITEM_RATINGS = 5
# Amazon CDRIB games/videos: user ids below this are the same person in both domains.
AMAZON_SHARED_USERS = 2179


class EvidenceError(Exception):
    """A problem the user must fix (missing data, failed trainer run)."""


def require_file(path):
    if not os.path.isfile(path):
        raise EvidenceError("data file not found: %s (see --data-dir)" % path)
    return path


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="ascii", newline=None) as handle:
        for line in handle:
            line = line.strip()
            if line:
                yield line


def write_csv(path, rows):
    """Writes (user, item, scene, value) rows and returns their counts for the report."""
    users, items, scenes = set(), set(), collections.Counter()
    with open(path, "w", encoding="ascii") as out:
        out.write("user,item,scene,value\n")
        for user, item, scene, value in rows:
            out.write("%s,%s,%s,%s\n" % (user, item, scene, value))
            users.add(user)
            items.add(item)
            scenes[scene] += 1
    return {"rows": sum(scenes.values()), "users": len(users), "items": len(items),
            "scenes": len(scenes), "rows_per_scene": dict(scenes.most_common())}


def convert_douban(data_dir, out_path):
    base = os.path.join(data_dir, "douban-gadtcdr")
    rows = []
    # Item ids are local to each file, hence the scene prefix; user ids are one shared space.
    for file_name, prefix, scene in [("book_ratings.dat", "b", "book"),
                                     ("music_ratings.dat", "m", "music")]:
        for line in read_lines(require_file(os.path.join(base, file_name))):
            user, item, rating = line.split()
            rows.append((user, prefix + item, scene, rating))
    return write_csv(out_path, rows)


def slug(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def convert_epinions(data_dir, out_path):
    base = os.path.join(data_dir, "epinions")
    names = {}
    for line in read_lines(require_file(os.path.join(base, "categories.txt"))):
        category, name = line.split(None, 1)  # strip() above removed the CR of the CRLF
        names[category] = slug(name)
    # A dict keeps the first position of a key and the last value: dedup keeping the last row.
    last = {}
    for line in read_lines(require_file(os.path.join(base, "ratings.tsv.gz"))):
        user, item, category, rating = line.split("\t")
        last[(user, item)] = (category, rating)
    per_category = collections.Counter(category for category, _ in last.values())
    kept = {c for c, n in per_category.items() if n > EPINIONS_MIN_SCENE_ROWS}
    rows = [(u, i, c, r) for (u, i), (c, r) in last.items() if c in kept]
    ratings_per_item = collections.Counter(i for _, i, _, _ in rows)
    rows = [(u, i, names[c], r) for u, i, c, r in rows
            if ratings_per_item[i] >= EPINIONS_MIN_ITEM_RATINGS]
    stats = write_csv(out_path, rows)
    stats["note"] = "%d rows after dedup, %d categories kept" % (len(last), len(kept))
    return stats


def convert_amazon_games_videos(data_dir, out_path):
    base = os.path.join(data_dir, "amazon-cdrib")
    rows = []
    for folder, prefix, scene in [("game_video", "g", "games"), ("video_game", "v", "videos")]:
        for line in read_lines(require_file(os.path.join(base, folder, "train.txt.gz"))):
            user, item = line.split()
            # Ids >= C are different people in the two folders: give them a per-domain namespace.
            if int(user) >= AMAZON_SHARED_USERS:
                user = prefix + user
            rows.append((user, prefix + item, scene, 1))
    return write_csv(out_path, rows)


CONVERTERS = {
    "douban": convert_douban,
    "epinions": convert_epinions,
    "amazon-games-videos": convert_amazon_games_videos,
}


class Runner:
    """Runs `sceneals train` under mpirun and reads its metrics JSON."""

    def __init__(self, args):
        self.args = args
        self.log_dir = os.path.join(args.work_dir, "logs")
        os.makedirs(self.log_dir, exist_ok=True)
        self.runs = 0

    def train(self, csv_path, kind, seed, settings, validation, tag):
        base = os.path.join(self.args.work_dir, "run")
        metrics_path = base + ".metrics.json"
        model_path = base + ".h5"
        for stale in (metrics_path, model_path):
            if os.path.exists(stale):
                os.remove(stale)
        command = ["mpirun", "-n", str(self.args.ranks), "--oversubscribe", self.args.sceneals,
                   "train", "--input", csv_path, "--output", model_path, "--model-kind", kind,
                   "--factors", str(self.args.factors),
                   "--iterations", str(self.args.iterations), "--seed", str(seed),
                   "--evaluate", "--k", ",".join(str(k) for k in KS),
                   "--metrics-json", metrics_path]
        if validation:
            command += ["--evaluate-on", "validation"]
        if kind == "pooled":
            command += ["--grid", "1x%d" % self.args.ranks]  # pooled needs one scene group
        for name, value in sorted(settings.items()):
            command += ["--" + name, str(value)]
        log_path = os.path.join(self.log_dir, tag + ".log")
        with open(log_path, "w") as log:
            log.write(shlex.join(command) + "\n")
            log.flush()
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
        self.runs += 1
        if done.returncode != 0 or not os.path.isfile(metrics_path):
            with open(log_path) as log:
                tail = "".join(log.readlines()[-15:])
            raise EvidenceError("trainer failed (exit %d), log %s:\n%s"
                                % (done.returncode, log_path, tail))
        with open(metrics_path) as handle:
            records = json.load(handle)
        os.remove(model_path)
        # (cohort, k, metric) -> value, over all scenes ("overall").
        return {(r["cohort"], r["k"], r["metric"]): r["value"]
                for r in records if r["scene"] == "overall"}


def selection_key(metrics):
    return (metrics.get(("cold", 20, "recall"), float("-inf")),
            metrics.get(("warm", 20, "recall"), float("-inf")))


def grid_settings(grid):
    names = sorted(grid)
    return [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]


def settings_text(settings):
    return " ".join("%s=%g" % (name, value) for name, value in sorted(settings.items())) or "-"


def evaluate_dataset(runner, dataset, csv_path, args, grid):
    """Returns {kind: [{"seed", "settings", "validation", "test"}...]}."""
    results = {}
    for kind in KINDS:
        results[kind] = []
        for seed in args.seeds:
            candidates = grid_settings(grid[kind])
            best, best_metrics = candidates[0], None
            if grid[kind]:
                for number, settings in enumerate(candidates):
                    tag = "%s.%s.s%d.val%d" % (dataset, kind, seed, number)
                    metrics = runner.train(csv_path, kind, seed, settings, True, tag)
                    if best_metrics is None or selection_key(metrics) > selection_key(best_metrics):
                        best, best_metrics = settings, metrics
            test = runner.train(csv_path, kind, seed, best, False,
                                "%s.%s.s%d.test" % (dataset, kind, seed))
            results[kind].append({
                "seed": seed, "settings": best,
                "validation_cold_recall20": None if best_metrics is None
                else best_metrics.get(("cold", 20, "recall")),
                "test": {"%s/%d/%s" % key: value for key, value in test.items()}})
            print("  %-11s seed %d: %s -> test cold R@20 %.4f, warm R@20 %.4f"
                  % (kind, seed, settings_text(best), test.get(("cold", 20, "recall"), float("nan")),
                     test.get(("warm", 20, "recall"), float("nan"))), flush=True)
    return results


def mean_std(values):
    if not values:
        return "n/a"
    if len(values) == 1:
        return "%.4f" % values[0]
    return "%.4f ± %.4f" % (statistics.mean(values), statistics.stdev(values))


def chosen_text(runs):
    texts = [settings_text(run["settings"]) for run in runs]
    if len(set(texts)) == 1:
        return texts[0]
    return "; ".join("s%d: %s" % (run["seed"], text) for run, text in zip(runs, texts))


def report_table(results):
    header = ["kind", "cohort"] + ["%s@%d" % (METRIC_LABELS[m], k) for k in KS for m in METRICS]
    header.append("chosen settings")
    lines = ["| " + " | ".join(header) + " |",
             "|---|---|" + "---:|" * (len(header) - 3) + "---|"]
    for kind in KINDS:
        runs = results.get(kind)
        if not runs:
            continue
        for cohort in COHORTS:
            cells = [kind, cohort]
            for k in KS:
                for metric in METRICS:
                    key = "%s/%d/%s" % (cohort, k, metric)
                    cells.append(mean_std([r["test"][key] for r in runs if key in r["test"]]))
            cells.append(chosen_text(runs))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(path, args, grid, datasets, command_line):
    out = ["# SceneALS evidence run", "",
           "Command: `%s`" % command_line, "",
           "Settings chosen per kind and seed on the validation split (best overall cold-scene "
           "recall@20, ties: warm recall@20), then trained again and scored on the test split. "
           "Values are mean ± sample standard deviation over seeds %s; metrics are the "
           "\"overall\" rows (all scenes). Fixed: factors %d, iterations %d, %d MPI ranks."
           % (" ".join(str(s) for s in args.seeds), args.factors, args.iterations, args.ranks),
           "", "Grid searched%s:" % (" (--quick)" if args.quick else ""), ""]
    for kind in KINDS:
        out.append("- %s: %s" % (kind, ", ".join("%s in {%s}" % (n, ", ".join("%g" % v for v in vs))
                                                 for n, vs in sorted(grid[kind].items()))
                                 or "nothing to choose"))
    for name, entry in datasets.items():
        stats = entry["stats"]
        out += ["", "## %s" % name, "",
                "Data: %d rows, %d users, %d items, %d scenes (%s). %d trainer runs, %.0f s."
                % (stats["rows"], stats["users"], stats["items"], stats["scenes"],
                   ", ".join("%s %d" % kv for kv in stats["rows_per_scene"].items()),
                   entry["runs"], entry["seconds"]), "",
                report_table(entry["results"])]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out) + "\n")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.path.join(REPO, "..", "shared", "data"))
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--factors", type=int, default=32)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--work-dir", default=os.path.join(tempfile.gettempdir(),
                                                           "sceneals-evidence"))
    parser.add_argument("--report", default="evidence.md")
    parser.add_argument("--sceneals", default=os.path.join(REPO, "build", "app", "sceneals"))
    parser.add_argument("--quick", action="store_true", help="one setting per kind (smoke run)")
    parser.add_argument("--convert-only", action="store_true",
                        help="only convert the data sets and print their counts")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    command_line = shlex.join([os.path.relpath(sys.argv[0])] + argv)
    args.data_dir = os.path.abspath(args.data_dir)
    args.work_dir = os.path.abspath(args.work_dir)
    if not os.path.isdir(args.data_dir):
        raise EvidenceError("data directory not found: %s (give --data-dir)" % args.data_dir)
    if not args.convert_only and not os.access(args.sceneals, os.X_OK):
        raise EvidenceError("sceneals binary not found: %s (build it, or give --sceneals)"
                            % args.sceneals)
    os.makedirs(args.work_dir, exist_ok=True)
    grid = QUICK_GRID if args.quick else GRID
    runner = Runner(args)
    datasets = collections.OrderedDict()
    for dataset in args.datasets:
        csv_path = os.path.join(args.work_dir, dataset + ".csv")
        stats = CONVERTERS[dataset](args.data_dir, csv_path)
        print("%s: %s -> %s" % (dataset, json.dumps(stats), csv_path), flush=True)
        if args.convert_only:
            continue
        start, runs_before = time.time(), runner.runs
        results = evaluate_dataset(runner, dataset, csv_path, args, grid)
        datasets[dataset] = {"stats": stats, "results": results,
                             "runs": runner.runs - runs_before, "seconds": time.time() - start}
        with open(os.path.join(args.work_dir, "results.json"), "w") as handle:
            json.dump({"command": command_line, "datasets": datasets}, handle, indent=1)
        write_report(args.report, args, grid, datasets, command_line)
    if not args.convert_only:
        print("report written to %s" % args.report)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except EvidenceError as error:
        print("run_evidence.py: error: %s" % error, file=sys.stderr)
        sys.exit(1)
