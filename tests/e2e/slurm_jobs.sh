# The job scripts under a real Slurm on this machine (slurm_cluster.sh starts its own munged,
# slurmctld and slurmd and stops them by PID, whatever happens): submits train.sbatch and
# evaluate.sbatch with `sbatch --wait`, then a 4-task array of sweep.sbatch and two refresh.sbatch
# jobs, and checks the embedding files, the metrics JSON, the gathered ranking and the refreshed
# model. Skipped (exit 77) where Slurm is not
# installed or the test is not root (slurmd must be). Preemption: slurm_preemption.sh.
source "$(dirname "$0")/common.sh"
source "$E2E_DIR/slurm_cluster.sh"

cd "$J" || exit
export SCENEALS_BIN="$SCENEALS" SCENEALS_HOME="$SCENEALS_SOURCE_DIR"
bash "$JOBS/run_local.sh" -n 2 --oversubscribe -- generate --output data.csv \
  --users 400 --items 150 --interactions 8000 --scenes 2 --seed 11 >/dev/null

# Training with evaluation; settings from a config file and the environment together.
printf 'factors = 8\niterations = 3\n' >train.ini
id=$(SCENEALS_INPUT=data.csv SCENEALS_CONFIG=train.ini SCENEALS_SPLIT=split \
     SCENEALS_ARGS="--seed 5" submit 120 --ntasks=2 "$JOBS/train.sbatch")
out=sceneals-train-$id.out model=sceneals-train-$id.h5 metrics=sceneals-train-$id.metrics.json
[ -f "$out" ] || fail "no log $out (--output=%x-%j.out)"
grep -q "srun --mpi=pmix" "$out" || fail "$out: ranks were not started with srun --mpi=pmix"
"$PYTHON" "$E2E_DIR/check_embedding_file.py" --expect-run-attributes --expect-bridge "$model"
"$PYTHON" - "$model" <<'EOF' || fail "the configuration did not reach the run"
import sys, h5py
a = h5py.File(sys.argv[1]).attrs
assert (a["factors"], a["iterations"], a["seed"], a["ranks"]) == (8, 3, 5, 2), dict(a)
EOF

# The metrics JSON: every metric for both cohorts at K = 5, 10, 20, each value in [0, 1].
"$PYTHON" - "$metrics" <<'EOF' || fail "bad metrics JSON $metrics"
import json, sys
records = json.load(open(sys.argv[1]))
keys = {(r["scene"], r["cohort"], r["k"], r["metric"]) for r in records}
assert len(keys) == len(records), "duplicate records"
for cohort in ("warm", "cold"):
    for k in (5, 10, 20):
        for m in ("precision", "recall", "f1", "ndcg", "map", "hit_rate", "diversity", "novelty",
                  "coverage"):
            assert ("overall", cohort, k, m) in keys, ("missing", cohort, k, m)
for r in records:
    # Every metric lies in [0, 1] but diversity (1 - cosine: [0, 2]) and novelty (bits).
    top = {"diversity": 2, "novelty": 64}.get(r["metric"], 1)
    assert 0 <= r["value"] <= top and r["pairs"] > 0, r
EOF

# evaluate.sbatch on the split train.sbatch wrote scores the same file the same way.
id=$(SCENEALS_MODEL="$model" SCENEALS_SPLIT=split SCENEALS_CONFIG='' SCENEALS_ARGS='' \
     submit 120 --ntasks=2 "$JOBS/evaluate.sbatch")
# (`|| fail` on the heredoc's own line: the heredoc's text starts on the next line.)
again=sceneals-evaluate-$id.metrics.json
"$PYTHON" - "$metrics" "$again" <<'EOF' || fail "evaluate.sbatch disagrees with train's evaluation"
import json, sys
a, b = ({(r["scene"], r["cohort"], r["k"], r["metric"]): (r["value"], r["pairs"])
         for r in json.load(open(p))} for p in sys.argv[1:])
assert a.keys() == b.keys(), a.keys() ^ b.keys()
for key in a:
    assert a[key][1] == b[key][1] and abs(a[key][0] - b[key][0]) < 1e-9, (key, a[key], b[key])
EOF

# A task index without a row in the table fails with a message (no Slurm needed for that).
printf '%s\t%s\t%s\t%s\n' factors lambda mu alpha 4 0.1 0 10 8 0.1 0.5 10 8 1 0 40 4 1 1 40 >params.tsv
SLURM_ARRAY_TASK_ID=4 SWEEP_PARAMS=params.tsv bash "$JOBS/sweep.sbatch" 2>err.txt &&
  fail "sweep.sbatch ran a task without a row"
grep -q "no row for array task 4 (4 rows: --array=0-3)" err.txt ||
  { cat err.txt; fail "unclear message"; }

# The sweep: 4 array tasks, each its own model and metrics on the validation split, gathered.
id=$(SWEEP_PARAMS=params.tsv SWEEP_DIR=sweep SCENEALS_INPUT=data.csv SCENEALS_CONFIG='' \
     SCENEALS_ARGS="--iterations 3" submit 150 --array=0-3 --ntasks=2 "$JOBS/sweep.sbatch")
for t in 0 1 2 3; do
  [ -f "sceneals-sweep-${id}_$t.out" ] || fail "no log sceneals-sweep-${id}_$t.out (%x-%A_%a.out)"
  grep -q "evaluation on the validation split" "sceneals-sweep-${id}_$t.out" ||
    fail "task $t did not evaluate on validation"
  "$PYTHON" "$E2E_DIR/check_embedding_file.py" "sweep/task-$t/model.h5" >/dev/null
done
"$PYTHON" "$JOBS/gather_sweep.py" sweep | tee gathered.txt
# The ranking, recomputed here: rows of the table, best overall cold recall@20 first (ties by
# warm), each row's parameters those of its table row and of its model file.
"$PYTHON" - params.tsv sweep <<'EOF' || fail "the gathered table is wrong"
import json, sys, h5py
table = [line.split() for line in open(sys.argv[1])]
names, rows = table[0], table[1:]
def figure(records, cohort):
    return next(r["value"] for r in records if (r["scene"], r["cohort"], r["k"], r["metric"])
                == ("overall", cohort, 20, "recall"))
score = {}
for t, row in enumerate(rows):
    records = json.load(open(f"{sys.argv[2]}/task-{t}/metrics.json"))
    score[t] = (figure(records, "cold"), figure(records, "warm"))
    attrs = h5py.File(f"{sys.argv[2]}/task-{t}/model.h5").attrs
    got = (attrs["factors"], attrs["lambda"], attrs["alpha"])  # lambda went through a float32
    want = (int(row[0]), float(row[1]), float(row[3]))
    assert got[0] == want[0], (t, row, got)
    assert all(abs(g - w) < 1e-6 * w for g, w in zip(got[1:], want[1:])), (t, row, got)
    mu = [float(pair.split("=")[1]) for pair in attrs["mu"].decode().split(",")]  # per scene
    assert mu == [float(row[2])] * len(mu), (t, row, attrs["mu"])
expected = sorted(score, key=lambda t: (-score[t][0], -score[t][1], t))
lines = [l for l in open(f"{sys.argv[2]}/ranking.md") if l.startswith("| ") and l[2].isdigit()]
assert len(lines) == 4, lines
for rank, (line, t) in enumerate(zip(lines, expected), 1):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    assert cells[:2 + len(names)] == [str(rank), str(t), *rows[t]], (cells, t)
    assert abs(float(cells[2 + len(names)]) - score[t][0]) < 5e-5, (cells, score[t])
EOF
# refresh.sbatch: the second job starts from the first's model and moves latest.h5 to its own.
for day in 1 2; do
  id=$(SCENEALS_MODEL_DIR=models SCENEALS_INPUT=data.csv SCENEALS_CONFIG='' \
       SCENEALS_ARGS="--factors 8 --iterations 3" submit 120 --ntasks=2 "$JOBS/refresh.sbatch")
  [ "$day" = 2 ] || sleep 1  # model names have a resolution of one second
done
grep -q "warm start from models/model-" "sceneals-refresh-$id.out" ||
  { cat "sceneals-refresh-$id.out"; fail "the second refresh job did not start from the first's model"; }
[ "$(find models -name 'model-*Z.h5' | wc -l)" = 2 ] || fail "refresh jobs: $(ls models)"
[ "$(readlink models/latest.h5)" = "$(cd models && ls model-*Z.h5 | tail -n 1)" ] ||
  fail "latest.h5 does not point to the newest model"
echo "slurm jobs OK"
