#!/usr/bin/python3
"""Evidence run: every model kind on real data, settings chosen on validation, scored on test,
written up as the Markdown page docs/evidence.md.

What it does
  1. Converts the shared data sets into the CSV that `sceneals train` reads
     (header user,item,scene,value) under --work-dir:
       douban               douban-gadtcdr book + music; item ids prefixed per scene (b12, m12)
                            because each file numbers its own items; user ids are shared.
       epinions             epinions/ratings.tsv.gz; (user, item) deduplicated keeping the last
                            row; the categories with more than 30,000 rows (12) kept as scenes,
                            named from categories.txt (CRLF) as lower-case slugs; then items with
                            fewer than 5 ratings dropped (one pass). Items are one global
                            catalogue, as the model allows.
       amazon-games-videos  amazon-cdrib game_video + video_game train.txt.gz; users 0..2178 are
                            the shared users and keep their id, the others get a per-domain id
                            (g123, v123); items are prefixed per domain; scenes games and videos;
                            value 1. The trainer makes its own split, including users cold
                            in a scene.
       amazon-games-videos-cdrib
                            the same training rows, evaluated on CDRIB's own cold-start split:
                            valid.txt / test.txt of both folders hold the held-out items of
                            shared users absent from that domain's train.txt. The model trains
                            on all of train.txt (--holdout 0 --cold-fraction 0) and
                            `sceneals evaluate` scores it on valid (to choose) and test. Test
                            rows whose item never occurs in the domain's train.txt cannot be
                            scored by any embedding model and are dropped (counted in the report).
  2. For each data set, model kind and seed: trains every setting of a small grid (GRID below)
     with `--evaluate-on validation`, picks one by the rule of `choose` (the best validation
     cold-scene recall@20 among the settings whose validation warm recall@20 is within 2% of the
     best independent model's), trains it again and evaluates on test
     (`--evaluate`). Kinds run in the order popularity, independent, colearn, pooled because the
     rule needs independent's figure. popularity has nothing to choose; pooled runs with one
     scene group (`--grid 1xRANKS`), which it needs.
  3. Writes the report, docs/evidence.md of the repository unless --report names another file:
     an introduction (data sets, grid, selection rule, machine), the exact command line, and per
     data set one table with, per kind and cohort (warm, cold), precision, recall, F1 and NDCG at
     10 and 20 as mean +- sample standard deviation over the seeds, and the chosen settings.
     Everything the script writes ends with the line END_MARKER (below); whatever follows that
     line in the existing report (the discussion of the tables) is kept. The raw numbers are
     also kept in WORK_DIR/results.json.

How to run (from the repository root, with the Release build in build/; Debian's python3):
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1   # only as root
    /usr/bin/python3 eval/run_evidence.py --datasets douban --seeds 1 --quick \
        --report /tmp/evidence-smoke.md                 # smoke run, about a minute
    /usr/bin/python3 eval/run_evidence.py               # the full run: rewrites docs/evidence.md
Options: --data-dir (default ../shared/data relative to the repository), --datasets, --seeds,
--ranks, --factors, --iterations, --work-dir, --report (default docs/evidence.md), --sceneals
(the binary), --quick (a one-setting grid). Every trainer run's output is kept in WORK_DIR/logs/.
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
# tune: `train --tune` (the job chooses on its own validation split; nothing chosen here);
# default: colearn with every option at its default. The other kinds get the grid below.
KINDS = ["tune", "default", "colearn", "independent", "pooled", "popularity"]  # report order
# choose() needs independent first; tune's time is compared with default's.
RUN_ORDER = ["popularity", "independent", "colearn", "pooled", "default", "tune"]
DATASETS = ["douban", "epinions", "amazon-games-videos", "amazon-games-videos-cdrib",
            "movielens-genres"]
METRICS = ["precision", "recall", "f1", "ndcg"]
METRIC_LABELS = {"precision": "P", "recall": "R", "f1": "F1", "ndcg": "NDCG"}
KS = [10, 20]
COHORTS = ["warm", "cold"]

# Candidate settings per kind (option name -> values); --factors is fixed from the command line.
GRID = {
    "tune": {},
    "default": {},
    "colearn": {"lambda": [0.1, 1], "alpha": [1, 10], "mu": [0, 1], "ridge": [10, 100]},
    "independent": {"lambda": [0.1, 1], "alpha": [1, 10]},
    "pooled": {"lambda": [0.1, 1], "alpha": [1, 10]},
    "popularity": {},
}
QUICK_GRID = {
    "tune": {},
    "default": {},
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
AMAZON_DOMAINS = [("game_video", "g", "games"), ("video_game", "v", "videos")]
# A setting qualifies when its validation warm recall@20 is at least this fraction of the best
# independent model's (colearn must stay within 2% of independent on warm pairs).
WARM_TOLERANCE = 0.98
# The report's last generated line; what follows it in an existing report is kept.
END_MARKER = "<!-- end of generated part -->"


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


def convert_movielens_genres(data_dir, out_path):
    """MovieLens 100K, each movie in the scene of the first rule of data/movielens_scenes.txt
    that names one of its genres (the mapping `train --format movielens --scene-map` uses)."""
    base = os.path.join(data_dir, "ml-100k")
    genres = {}
    for line in read_lines(require_file(os.path.join(base, "u.genre"))):
        name, index = line.split("|")
        genres[int(index)] = name
    rules = []
    with open(os.path.join(REPO, "data", "movielens_scenes.txt"), encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                scene, names = line.split(":", 1)
                rules.append((scene.strip(), {n.strip() for n in names.split(",")}))
    scene_of = {}
    with open(require_file(os.path.join(base, "u.item")), encoding="latin-1") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("|")
            if len(fields) < 6:
                continue
            movie = {genres[g] for g, flag in enumerate(fields[5:]) if flag == "1"}
            scene_of[fields[0]] = next(scene for scene, names in rules if "*" in names or names & movie)
    rows = []
    for line in read_lines(require_file(os.path.join(base, "u.data"))):
        user, item, rating, _ = line.split("\t")
        rows.append(("u" + user, "m" + item, scene_of[item], rating))
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


def amazon_rows(base, split):
    """(user, item, scene, 1) rows of one CDRIB split file of both domains."""
    for folder, prefix, scene in AMAZON_DOMAINS:
        for line in read_lines(require_file(os.path.join(base, folder, split + ".txt.gz"))):
            user, item = line.split()
            # Ids >= C are different people in the two folders: give them a per-domain namespace.
            if int(user) >= AMAZON_SHARED_USERS:
                user = prefix + user
            yield user, prefix + item, scene, 1


def convert_amazon_games_videos(data_dir, out_path):
    return write_csv(out_path, amazon_rows(os.path.join(data_dir, "amazon-cdrib"), "train"))


def convert_amazon_cdrib_split(data_dir, out_path):
    """train.txt as the training file, valid.txt and test.txt as held-out files beside it."""
    base = os.path.join(data_dir, "amazon-cdrib")
    stats = write_csv(out_path, amazon_rows(base, "train"))
    trained = {(scene, item) for _, item, scene, _ in amazon_rows(base, "train")}
    notes = []
    for split in ("valid", "test"):
        rows = list(amazon_rows(base, split))
        kept = [row for row in rows if (row[2], row[1]) in trained]
        held = write_csv(heldout_path(out_path, split), kept)
        notes.append("%s: %d of %d rows kept (%d users)"
                     % (split, held["rows"], len(rows), held["users"]))
    stats["note"] = "; ".join(notes) + " (rows of items absent from the domain's train.txt dropped)"
    return stats


def heldout_path(csv_path, split):
    return csv_path[:-len(".csv")] + "." + split + ".csv"


CONVERTERS = {
    "douban": convert_douban,
    "epinions": convert_epinions,
    "amazon-games-videos": convert_amazon_games_videos,
    "amazon-games-videos-cdrib": convert_amazon_cdrib_split,
    "movielens-genres": convert_movielens_genres,
}
# Data sets scored on a split that comes with the data instead of one the trainer makes.
PREPARED_SPLIT = {"amazon-games-videos-cdrib"}


def mpirun_environment():
    """This process's environment, plus Open MPI's consent to run as root when we are root
    (mpirun refuses root without both variables), as job_scripts/run_local.sh does."""
    environment = dict(os.environ)
    if os.geteuid() == 0:
        environment.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return environment


class Runner:
    """Runs `sceneals train` and `sceneals evaluate` under mpirun and reads their metrics JSON."""

    def __init__(self, args):
        self.args = args
        self.log_dir = os.path.join(args.work_dir, "logs")
        os.makedirs(self.log_dir, exist_ok=True)
        self.runs = 0
        self.last_seconds = 0.0  # wall time of the last sceneals command
        self.last_choice = None  # what the last --tune run chose

    def path(self, name):
        return os.path.join(self.args.work_dir, name)

    def sceneals(self, arguments, metrics_path, tag):
        """Runs one sceneals command; returns its overall metrics {(cohort, k, metric): value}."""
        if metrics_path and os.path.exists(metrics_path):
            os.remove(metrics_path)
        command = ["mpirun", "-n", str(self.args.ranks), "--oversubscribe",
                   self.args.sceneals] + arguments
        log_path = os.path.join(self.log_dir, tag + ".log")
        with open(log_path, "w") as log:
            log.write(shlex.join(command) + "\n")
            log.flush()
            start = time.time()
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                                  env=mpirun_environment())
            self.last_seconds = time.time() - start
        self.runs += 1
        if done.returncode != 0 or (metrics_path and not os.path.isfile(metrics_path)):
            with open(log_path) as log:
                tail = "".join(log.readlines()[-15:])
            raise EvidenceError("sceneals failed (exit %d), log %s:\n%s"
                                % (done.returncode, log_path, tail))
        if not metrics_path:
            return None
        with open(metrics_path) as handle:
            records = json.load(handle)
        # --tune's records carry a setting: the choice is the overall chosen_recall's.
        self.last_choice = next((r["setting"] for r in records if r.get("metric") == "chosen_recall"
                                 and r["scene"] == "overall"), None)
        return {(r["cohort"], r["k"], r["metric"]): r["value"]
                for r in records if r["scene"] == "overall" and "setting" not in r}

    def train_arguments(self, csv_path, model_path, kind, seed, settings):
        arguments = ["train", "--input", csv_path, "--output", model_path,
                     "--factors", str(self.args.factors),
                     "--iterations", str(self.args.iterations), "--seed", str(seed)]
        if kind not in ("tune", "default"):
            arguments += ["--model-kind", kind]
        if kind == "pooled":
            arguments += ["--grid", "1x%d" % self.args.ranks]  # pooled needs one scene group
        for name, value in sorted(settings.items()):
            arguments += ["--" + name, str(value)]
        return arguments

    def train_and_evaluate(self, csv_path, kind, seed, settings, validation, tag):
        """The trainer's own split: train on it and evaluate on validation or test."""
        model_path, metrics_path = self.path("run.h5"), self.path("run.metrics.json")
        arguments = self.train_arguments(csv_path, model_path, kind, seed, settings)
        arguments += ["--evaluate", "--k", ",".join(str(k) for k in KS),
                      "--metrics-json", metrics_path]
        if validation:
            arguments += ["--evaluate-on", "validation"]
        if kind == "tune":  # last: Open MPI's mpirun reads the word after --tune as its own
            arguments += ["--tune"]
        metrics = self.sceneals(arguments, metrics_path, tag)
        os.remove(model_path)
        return metrics

    def train_on_all(self, csv_path, model_path, kind, seed, settings, tag):
        """A prepared split: train on every row of csv_path (no split of the trainer's own)."""
        arguments = self.train_arguments(csv_path, model_path, kind, seed, settings)
        self.sceneals(arguments + ["--holdout", "0", "--cold-fraction", "0"], None, tag)

    def evaluate_file(self, model_path, train_path, test_path, tag):
        metrics_path = self.path("run.metrics.json")
        return self.sceneals(["evaluate", "--model", model_path, "--train", train_path,
                              "--test", test_path, "--k", ",".join(str(k) for k in KS),
                              "--metrics-json", metrics_path], metrics_path, tag)


def recall20(metrics, cohort):
    return metrics.get((cohort, 20, "recall"), float("-inf"))


def choose(candidates, warm_reference):
    """candidates: [(settings, validation metrics)]. The best cold-scene recall@20 among the
    settings whose warm recall@20 reaches WARM_TOLERANCE x warm_reference (ties: warm recall@20);
    when none does, the best warm recall@20. Selecting on cold recall alone traded warm quality
    away (6% of warm recall@20 on Douban), which the evaluation does not allow."""
    qualified = [c for c in candidates if recall20(c[1], "warm") >= WARM_TOLERANCE * warm_reference]
    if not qualified:
        return max(candidates, key=lambda c: recall20(c[1], "warm"))
    return max(qualified, key=lambda c: (recall20(c[1], "cold"), recall20(c[1], "warm")))


class SplitProtocol:
    """Hyper-parameters chosen on the trainer's validation split, scored on its test split."""

    def __init__(self, runner, dataset, csv_path):
        self.runner, self.dataset, self.csv_path = runner, dataset, csv_path

    def validate(self, kind, seed, settings, tag):
        return self.runner.train_and_evaluate(self.csv_path, kind, seed, settings, True, tag)

    def test(self, kind, seed, settings, tag):
        return self.runner.train_and_evaluate(self.csv_path, kind, seed, settings, False, tag)


class PreparedSplitProtocol:
    """The data's own split: one model per setting, trained on all of the training file,
    evaluated on the validation file to choose and on the test file to report."""

    def __init__(self, runner, dataset, csv_path):
        self.runner, self.dataset, self.csv_path = runner, dataset, csv_path

    def model_path(self, tag):
        return self.runner.path(tag + ".h5")

    def validate(self, kind, seed, settings, tag):
        model_path = self.model_path(tag)
        self.runner.train_on_all(self.csv_path, model_path, kind, seed, settings, tag + ".train")
        metrics = self.runner.evaluate_file(model_path, self.csv_path,
                                            heldout_path(self.csv_path, "valid"), tag)
        os.remove(model_path)
        return metrics

    def test(self, kind, seed, settings, tag):
        model_path = self.model_path(tag)
        self.runner.train_on_all(self.csv_path, model_path, kind, seed, settings, tag + ".train")
        metrics = self.runner.evaluate_file(model_path, self.csv_path,
                                            heldout_path(self.csv_path, "test"), tag)
        os.remove(model_path)
        return metrics


def grid_settings(grid):
    names = sorted(grid)
    return [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]


def settings_text(settings):
    return " ".join("%s=%g" % (name, value) for name, value in sorted(settings.items())) or "-"


def evaluate_dataset(protocol, args, grid):
    """Returns {kind: [{"seed", "settings", "validation", "test"}...]}."""
    results = {}
    warm_reference = {}  # seed -> best validation warm recall@20 of independent
    for kind in RUN_ORDER:
        results[kind] = []
        for seed in args.seeds:
            candidates = []
            for number, settings in enumerate(grid_settings(grid[kind]) if grid[kind] else []):
                tag = "%s.%s.s%d.val%d" % (protocol.dataset, kind, seed, number)
                candidates.append((settings, protocol.validate(kind, seed, settings, tag)))
            if kind == "independent":
                warm_reference[seed] = max(recall20(m, "warm") for _, m in candidates)
            best, chosen = ({}, None) if not candidates else choose(
                candidates, warm_reference.get(seed, float("-inf")))
            if kind == "tune" and protocol.dataset in PREPARED_SPLIT:
                continue  # trained on all of train.txt: no validation pairs for --tune to carve
            test = protocol.test(kind, seed, best, "%s.%s.s%d.test" % (protocol.dataset, kind, seed))
            results[kind].append({
                "seed": seed, "settings": best, "seconds": protocol.runner.last_seconds,
                "choice": protocol.runner.last_choice if kind == "tune" else None,
                "validation": None if chosen is None
                else {"%s/%d/%s" % key: value for key, value in chosen.items()},
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
    texts = [run.get("choice") or settings_text(run["settings"]) for run in runs]
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
            if not any(key.startswith(cohort + "/") for run in runs for key in run["test"]):
                continue  # a prepared cold-start split has no warm pairs
            cells = [kind, cohort]
            for k in KS:
                for metric in METRICS:
                    key = "%s/%d/%s" % (cohort, k, metric)
                    cells.append(mean_std([r["test"][key] for r in runs if key in r["test"]]))
            cells.append(chosen_text(runs))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def grid_text(grid):
    """One Markdown bullet per kind: the settings searched."""
    return ["- %s: %s" % (kind, ", ".join("%s in {%s}" % (n, ", ".join("%g" % v for v in vs))
                                          for n, vs in sorted(grid[kind].items()))
                          or "nothing to choose")
            for kind in KINDS]


def machine_text():
    """'a 2-core machine (AMD EPYC)': the CPU every figure of the report was measured on."""
    model = None
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "a %d-core machine (%s)" % (os.cpu_count() or 0, model or "CPU model unknown")


def report_intro(args, grid, command_line, runs, seconds):
    """The page's generated introduction: data sets, protocol, grid, command and machine."""
    return [
        "# Evidence on real data", "",
        "<!-- written by eval/run_evidence.py down to the end marker; what follows the marker "
        "is kept when the script runs again -->", "",
        "Every model kind (`build/app/sceneals train --model-kind`) on real data, its hyper-parameters "
        "chosen on a validation split and then scored on the test split. The data sets are "
        "converted from the research data sets (not distributed with the code: `--data-dir`, "
        "by default `../shared/data` beside the checkout):", "",
        "- **douban**: Douban book + music (`douban-gadtcdr`), 2 scenes, users shared; item ids "
        "prefixed per scene.",
        "- **epinions**: Epinions' ratings, deduplicated per (user, item) keeping the last; the "
        "categories with more than %d ratings are the scenes; items with fewer than %d ratings "
        "dropped." % (EPINIONS_MIN_SCENE_ROWS, EPINIONS_MIN_ITEM_RATINGS),
        "- **amazon-games-videos**: Amazon games and videos from CDRIB's `train.txt` "
        "(`amazon-cdrib`); users 0..%d are the same people in both domains and keep their id; "
        "the trainer makes its own split, including users cold in a scene." % (AMAZON_SHARED_USERS - 1),
        "- **amazon-games-videos-cdrib**: the same Amazon data scored on CDRIB's own cold-start "
        "split: each model trains on all of `train.txt`, `valid.txt` chooses the settings, "
        "`test.txt` reports (its rows of items absent from the domain's `train.txt` dropped: "
        "no embedding model can score them).",
        "- **movielens-genres**: MovieLens 100K (`ml-100k`), each movie in the scene of the first "
        "rule of `data/movielens_scenes.txt` that names one of its genres (family, "
        "action_thriller, comedy, drama_other): users are active in several genre scenes.", "",
        "For every data set, kind and seed, each setting of the grid below is trained with "
        "`--evaluate-on validation` (a validation split carved from the training part the way "
        "the test split is; test never chooses anything). The rule: the best validation "
        "cold-scene recall@20 among the settings whose validation warm recall@20 is at least "
        "%g%% of the best independent model's (ties: warm recall@20); selecting on cold recall "
        "alone had cost colearn 6%% of its warm recall on Douban. The chosen setting is trained "
        "again and scored on test. popularity has nothing to choose; pooled runs with one scene "
        "group. Two kinds choose nothing here: **tune** is `train --tune` (the job chooses on a "
        "validation split of its own, per scene down to popularity: docs/usage.md), trained and "
        "scored on the same test split; **default** is colearn with every option at its "
        "default, what a user gets without choosing. On CDRIB's prepared split tune does not "
        "run: it trains on all of `train.txt`, which leaves it no validation pairs to carve. "
        "Fixed: factors %d, %d iterations, %d MPI ranks."
        % (100 * WARM_TOLERANCE, args.factors, args.iterations, args.ranks), "",
        "Grid searched%s:" % (" (--quick)" if args.quick else ""), ""] + grid_text(grid) + [
        "",
        "The tables: test metrics of the \"overall\" rows (all scenes together), mean ± sample "
        "standard deviation over seeds %s, and the settings chosen per seed."
        % ", ".join(str(s) for s in args.seeds), "",
        "Command, from the repository root: `%s`. %d trainer runs, %s, on %s."
        % (command_line, runs, duration_text(seconds), machine_text())]


def duration_text(seconds):
    return "%.0f s" % seconds if seconds < 120 else "%.0f min" % (seconds / 60)


def dataset_section(name, entry):
    """One data set's heading, data line and table."""
    stats = entry["stats"]
    return ["## %s" % name, "",
            "Data: %d rows, %d users, %d items, %d scenes (%s). %d trainer runs, %.0f s."
            % (stats["rows"], stats["users"], stats["items"], stats["scenes"],
               ", ".join("%s %d" % kv for kv in stats["rows_per_scene"].items()),
               entry["runs"], entry["seconds"])
            + (" " + stats["note"] + "." if "note" in stats else ""), "",
            report_table(entry["results"])] + tuning_time_text(entry["results"])


def tuning_time_text(results):
    """How long `--tune` took against one training with the defaults, per seed."""
    tuned = {r["seed"]: r["seconds"] for r in results.get("tune", [])}
    plain = {r["seed"]: r["seconds"] for r in results.get("default", [])}
    ratios = ["%.1fx" % (tuned[seed] / plain[seed]) for seed in sorted(tuned)
              if plain.get(seed)]
    if not ratios:
        return []
    return ["", "`--tune`'s whole run (tuning, then training the choice and evaluating) took %s "
            "the time of the run with the defaults (seeds %s)."
            % (", ".join(ratios), ", ".join(str(seed) for seed in sorted(tuned)))]


def kept_tail(path):
    """The lines after END_MARKER in an existing report: the discussion the script keeps."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return ""
    position = text.find("\n" + END_MARKER + "\n")
    return text[position + len(END_MARKER) + 2:] if position >= 0 else ""


def write_report(path, args, grid, datasets, command_line):
    runs = sum(entry["runs"] for entry in datasets.values())
    seconds = sum(entry["seconds"] for entry in datasets.values())
    out = report_intro(args, grid, command_line, runs, seconds)
    for name, entry in datasets.items():
        out += [""] + dataset_section(name, entry)
    out += ["", END_MARKER]
    tail = kept_tail(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = path + ".tmp"  # renamed over the report when complete
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write("\n".join(out) + "\n" + tail)
    os.replace(temporary, path)


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
    parser.add_argument("--report", default=os.path.join(REPO, "docs", "evidence.md"),
                        help="the Markdown page to write [docs/evidence.md of the repository]; "
                             "what follows its line %s is kept" % END_MARKER)
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
        protocol_type = PreparedSplitProtocol if dataset in PREPARED_SPLIT else SplitProtocol
        results = evaluate_dataset(protocol_type(runner, dataset, csv_path), args, grid)
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
