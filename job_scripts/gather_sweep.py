#!/usr/bin/python3
"""Gathers the results of a sweep.sbatch job array into one Markdown table, best first.

Every SWEEP_DIR/task-<i>/ holds params.tsv (the task's row of the parameter table) and
metrics.json (the records of `sceneals train --metrics-json`: scene, cohort, k, metric, value,
pairs). Tasks are ranked by one figure, by default overall cold-scene recall@20 (the users the
cross-scene transfer is for), ties broken by the same figure for warm pairs. The sweep evaluates
on the validation split, so the ranking may choose hyper-parameters; retrain the winner with
train.sbatch to report its test figures.

    gather_sweep.py SWEEP_DIR [--metric recall] [--k 20] [--cohort cold] [--scene overall]
                              [--output FILE]     (default SWEEP_DIR/ranking.md; '-' for none)

The table goes to standard output and to the file. Tasks without metrics.json (failed, or not
finished) are listed under the table and on standard error. Exit 0 when at least one task was
ranked, 1 otherwise. Standard library only.
"""
import argparse
import json
import math
import re
import sys
from pathlib import Path

METRICS = ("precision", "recall", "f1", "ndcg", "map", "hit_rate", "coverage")
COHORTS = ("warm", "cold")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--metric", default="recall", choices=METRICS)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--cohort", default="cold", choices=COHORTS,
                        help="ranked by this cohort, ties broken by the other")
    parser.add_argument("--scene", default="overall", help="a scene name, or overall")
    parser.add_argument("--output", help="Markdown file to write [SWEEP_DIR/ranking.md]; - for none")
    return parser.parse_args(argv)


def read_params(path):
    """The task's parameters as (names, values) from its two-line params.tsv."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if len(lines) != 2 or len(lines[0]) != len(lines[1]):
        raise ValueError(f"{path}: expected a header line and one row of as many values")
    return lines[0], lines[1]


def figure(records, scene, cohort, k, metric):
    """(value, pairs) of the matching record, or (None, 0) when the evaluation had no such pairs."""
    for r in records:
        if (r["scene"], r["cohort"], r["k"], r["metric"]) == (scene, cohort, k, metric):
            value = float(r["value"])
            return (value if math.isfinite(value) else None), int(r.get("pairs", 0))
    return None, 0


def task_number(path):
    match = re.fullmatch(r"task-(\d+)", path.name)
    return int(match.group(1)) if match else None


def gather(args):
    """Ranked rows (dicts) and the problems of tasks that could not be ranked."""
    other = COHORTS[1 - COHORTS.index(args.cohort)]
    rows, problems = [], []
    tasks = sorted((n, p) for p in args.sweep_dir.iterdir()
                   if p.is_dir() and (n := task_number(p)) is not None)
    for number, path in tasks:
        try:
            names, values = read_params(path / "params.tsv")
            records = json.loads((path / "metrics.json").read_text())
            main, pairs = figure(records, args.scene, args.cohort, args.k, args.metric)
            tie, _ = figure(records, args.scene, other, args.k, args.metric)
        except FileNotFoundError as error:
            problems.append(f"task-{number}: no {Path(error.filename).name} (failed or not"
                            " finished: see its .out file)")
        except KeyError as error:
            problems.append(f"task-{number}: a record of metrics.json lacks the field {error}")
        except (OSError, ValueError, TypeError) as error:
            problems.append(f"task-{number}: unreadable results ({error})")
        else:
            rows.append({"task": number, "names": names, "values": values,
                         "main": main, "tie": tie, "pairs": pairs})
    # Best first; a task whose evaluation had no pairs of the cohort ranks last.
    rows.sort(key=lambda r: (r["main"] is None, -(r["main"] or 0.0), -(r["tie"] or 0.0), r["task"]))
    return rows, problems, other


def number(value):
    return "-" if value is None else f"{value:.4f}"


def markdown(rows, problems, args, other):
    label = f"{args.metric}@{args.k}"
    # Every parameter any task had, in first-seen order (tables may differ between reruns).
    names = list(dict.fromkeys(name for r in rows for name in r["names"]))
    head = ["rank", "task", *names, f"{args.cohort} {label}", f"{other} {label}",
            f"{args.cohort} pairs"]
    lines = [f"Sweep {args.sweep_dir}: {args.scene} {args.cohort} {label}, ties by {other}",
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rank, r in enumerate(rows, 1):
        params = dict(zip(r["names"], r["values"]))
        cells = [str(rank), str(r["task"]), *(params.get(n, "-") for n in names),
                 number(r["main"]), number(r["tie"]), str(r["pairs"])]
        lines.append("| " + " | ".join(cells) + " |")
    if problems:
        lines += ["", "Not ranked:"] + [f"- {p}" for p in problems]
    return "\n".join(lines) + "\n"


def main(argv):
    args = parse_args(argv)
    if not args.sweep_dir.is_dir():
        sys.exit(f"gather_sweep: no directory {args.sweep_dir}")
    rows, problems, other = gather(args)
    text = markdown(rows, problems, args, other)
    sys.stdout.write(text)
    output = args.output or str(args.sweep_dir / "ranking.md")
    if output != "-":
        Path(output).write_text(text)
    for p in problems:
        print(f"gather_sweep: not ranked: {p}", file=sys.stderr)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
