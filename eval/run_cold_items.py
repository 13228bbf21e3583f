#!/usr/bin/python3
"""The item-features measurements of docs/item-features.md, reproducible in one command.

1. MovieLens 100K, one scene, features = 19 genre flags + release periods
   (eval/movielens_features.py), --cold-item-fraction 0.2, seeds 1-3, test split, recall@20:
   - cold-item recall of `train --item-features` against the content-profile baseline
     (eval/content_baseline.py) on the same split (the split train --write-split wrote);
   - warm recall with features against the same run without them.
2. The generated data (`sceneals generate --item-features`), cold-item recall@20 as the features'
   noise rises (--feature-noise), seeds 1-3.

Every training run is given --factors 32 --iterations 15 and whatever --train-args adds (e.g.
"--tune"). Prints Markdown tables; the model files and splits stay in --work-dir.

usage: eval/run_cold_items.py --data-dir ../shared/data [--work-dir /tmp/cold-items]
       [--sceneals build/app/sceneals] [--ranks 2] [--train-args=--tune]
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = (1, 2, 3)
NOISE = (0.0, 0.5, 1.0, 2.0, 4.0)


def run(command, log):
    with open(log, "w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.exit(f"run_cold_items.py: {' '.join(command)} failed (exit {result.returncode}); "
                 f"see {log}")


def recall(metrics_path, cohort):
    for r in json.load(open(metrics_path)):
        if (r["scene"], r["cohort"], r["k"], r["metric"]) == ("overall", cohort, 20, "recall"):
            return r["value"]
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="folder holding ml-100k/")
    parser.add_argument("--work-dir", default="/tmp/cold-items")
    parser.add_argument("--sceneals", default=os.path.join(REPO, "build/app/sceneals"))
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--train-args", default="", help="more train options, e.g. --tune")
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    w = lambda name: os.path.join(args.work_dir, name)
    mpirun = ["mpirun", "-n", str(args.ranks), "--oversubscribe", "--bind-to", "none"]
    sceneals = mpirun + [args.sceneals]
    # --tune last: Open MPI's mpirun reads the word after --tune as a parameter file of its own.
    extra = ["--factors", "32", "--iterations", "15", "--k", "20", "--evaluate"]
    tail = shlex.split(args.train_args)

    run([sys.executable, os.path.join(REPO, "eval/movielens_features.py"), "--data-dir",
         os.path.join(args.data_dir, "ml-100k"), "--interactions", w("ml.csv"), "--features",
         w("ml-features.csv")], w("convert.log"))
    print("## MovieLens 100K, cold-item fraction 0.2, recall@20 on test\n")
    print("| seed | cold-item: features | content profile | ratio | warm: features | "
          "warm: none | warm change |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    ratios, changes = [], []
    for seed in SEEDS:
        common = ["train", "--input", w("ml.csv"), "--cold-item-fraction", "0.2", "--seed",
                  str(seed)] + extra
        run(sceneals + common + ["--item-features", w("ml-features.csv"), "--output",
                                 w(f"ml-{seed}.h5"), "--write-split", w(f"split-{seed}"),
                                 "--metrics-json", w(f"ml-{seed}.json")] + tail,
            w(f"ml-{seed}.log"))
        run(sceneals + common + ["--output", w(f"ml-none-{seed}.h5"), "--metrics-json",
                                 w(f"ml-none-{seed}.json")] + tail, w(f"ml-none-{seed}.log"))
        run([sys.executable, os.path.join(REPO, "eval/content_baseline.py"), "--split-dir",
             w(f"split-{seed}"), "--features", w("ml-features.csv"), "--k", "20", "--json",
             w(f"baseline-{seed}.json")], w(f"baseline-{seed}.log"))
        model = recall(w(f"ml-{seed}.json"), "cold-item")
        baseline = json.load(open(w(f"baseline-{seed}.json")))["cold_item"]["20"]["recall"]
        warm, warm_none = recall(w(f"ml-{seed}.json"), "warm"), recall(w(f"ml-none-{seed}.json"),
                                                                       "warm")
        ratios.append(model / baseline)
        changes.append(warm / warm_none - 1)
        print(f"| {seed} | {model:.4f} | {baseline:.4f} | {model / baseline:.3f}x | {warm:.4f} | "
              f"{warm_none:.4f} | {100 * (warm / warm_none - 1):+.2f}% |")
    print(f"| mean | | | {statistics.mean(ratios):.3f}x | | | "
          f"{100 * statistics.mean(changes):+.2f}% |\n")

    print("## Generated data, cold-item recall@20 on test as the feature noise rises\n")
    print("| --feature-noise | " + " | ".join(f"seed {s}" for s in SEEDS) + " | mean |")
    print("|---:|" + "---:|" * (len(SEEDS) + 1))
    for noise in NOISE:
        values = []
        for seed in SEEDS:
            name = f"gen-{noise}-{seed}"
            run(sceneals + ["generate", "--output", w(f"gen-{seed}.csv"), "--seed", str(seed),
                            "--item-features", w(f"{name}.features.csv"), "--feature-noise",
                            str(noise)], w(f"{name}.generate.log"))
            run(sceneals + ["train", "--input", w(f"gen-{seed}.csv"), "--item-features",
                            w(f"{name}.features.csv"), "--cold-item-fraction", "0.2", "--seed",
                            str(seed), "--output", w(f"{name}.h5"), "--metrics-json",
                            w(f"{name}.json")] + extra + tail, w(f"{name}.log"))
            values.append(recall(w(f"{name}.json"), "cold-item"))
        print(f"| {noise:g} | " + " | ".join(f"{v:.4f}" for v in values) +
              f" | {statistics.mean(values):.4f} |")


if __name__ == "__main__":
    main()
