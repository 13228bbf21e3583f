#!/usr/bin/python3
"""Hostile inputs, one table row each: what is given to sceneals, the exit code expected, and the
exact message (the one `sceneals: error:` line) or, where the right behaviour is to go on, the
exact line the job prints to say what it did. Every error case also checks that no embedding
file (nor a temporary one) is left under the output name. Run by hostile_inputs.sh (ctest).

Usage: hostile_inputs.py SCENEALS MPIEXEC WORKDIR"""

import gzip
import os
import subprocess
import sys

import h5py

SCENEALS, MPIEXEC, WORK = sys.argv[1:4]
HEADER = b"user,item,scene,value\n"


def rows(n=400, users=37, items=23, scenes=2, fmt=b"u%d,i%d,s%d,1\n"):
    return b"".join(fmt % (i % users, i % items, i % scenes) for i in range(1, n + 1))


GOOD = HEADER + rows()
LONG_ID = b"x" * 10000


def case(name, expect_rc, expect, data=None, args=None, ranks=2, files=None, check=None):
    return dict(name=name, rc=expect_rc, expect=expect, data=data, args=args, ranks=ranks,
                files=files or {}, check=check)


def ids_in(path, dataset):
    with h5py.File(path, "r") as f:
        return [v.decode() for v in f[dataset][()]]


def no_carriage_returns(model):
    assert not any("\r" in i for i in ids_in(model, "users/id") + ids_in(model, "items/id")), \
        "an id kept the \\r of a CRLF line end"


def no_byte_order_mark(model):
    assert not any(i.startswith("\ufeff") for i in ids_in(model, "users/id")), \
        "the byte-order mark ended up in an id"


def has_ids(*expected):
    def check(model):
        present = set(ids_in(model, "users/id"))
        missing = [e for e in expected if e not in present]
        assert not missing, "ids missing from the model: %s" % missing
    return check


def has_skipped_record(scene):
    def check(model):
        with h5py.File(model, "r") as f:
            pairs = [(s.decode(), m.decode()) for s, m in zip(f["metrics/scene"], f["metrics/metric"])]
        assert (scene, "skipped") in pairs, "no skipped record for scene %s in /metrics" % scene
    return check


def eval_args(model, train="{split}/train.csv", test="{split}/test.csv"):
    return ["evaluate", "--model", model, "--train", train, "--test", test]


# {in} is the case's input file, {out} its output model, {dir} the work directory,
# {split} the split of a good model trained first, {model} that model.
CASES = [
    # --- line ends, encodings, CSV quoting: accepted ---
    case("crlf_line_ends", 0, "read 400 interactions from {in} on 2 ranks",
         GOOD.replace(b"\n", b"\r\n"), check=no_carriage_returns),
    case("utf8_byte_order_mark", 0, "read 400 interactions from {in} on 2 ranks",
         b"\xef\xbb\xbf" + GOOD, check=no_byte_order_mark),
    case("quoted_fields_with_separators", 0, "read 401 interactions from {in} on 2 ranks",
         GOOD + b'"u,1","i""2",s0,1\n', check=has_ids("u,1")),
    case("trailing_separators_everywhere", 0, "read 400 interactions from {in} on 2 ranks",
         GOOD.replace(b"\n", b",\n")),
    case("blank_lines", 0, "read 400 interactions from {in} on 2 ranks",
         HEADER + b"\n" + rows(200) + b"\n\n" + rows(200)[0:0] + rows(400)[len(rows(200)):]),
    case("no_newline_at_end", 0, "read 400 interactions from {in} on 2 ranks", GOOD.rstrip(b"\n")),
    case("tab_separated", 0, "read 400 interactions from {in} on 2 ranks",
         GOOD.replace(b",", b"\t")),
    case("numeric_64bit_and_negative_ids", 0, "read 402 interactions from {in} on 2 ranks",
         GOOD + b"9223372036854775807,i1,s0,1\n-5,i2,s1,1\n",
         check=has_ids("9223372036854775807", "-5")),
    case("utf8_ids", 0, "read 401 interactions from {in} on 2 ranks",
         GOOD + "usér,itém,s0,1\n".encode(), check=has_ids("usér")),
    case("ids_with_spaces_kept_verbatim", 0, "read 401 interactions from {in} on 2 ranks",
         GOOD + b" u1 ,i1,s0,1\n", check=has_ids(" u1 ")),
    # --- scenes and ranks at the edges: the job goes on ---
    case("scene_with_one_user", 0, "read 402 interactions from {in} on 2 ranks",
         GOOD + b"u1,j1,lonely,1\nu1,j2,lonely,1\n"),
    case("user_in_every_scene", 0, "read 403 interactions from {in} on 2 ranks",
         GOOD + b"all,i1,s0,1\nall,i2,s1,1\nall,k1,s2,1\n"),
    case("item_only_in_test_after_split", 0, "read 402 interactions from {in} on 2 ranks",
         GOOD + b"u1,rare,s0,1\nu2,i1,s0,1\n"),
    case("more_ranks_than_users", 0, "read 3 interactions from {in} on 4 ranks",
         HEADER + b"a,i1,s0,1\nb,i2,s0,1\nc,i1,s1,1\n", ranks=4),
    case("scene_with_fewer_items_than_k", 0,
         "scene tiny: 2 items with training data, fewer than --factors 8: trained, but its item "
         "factors span at most 2 dimensions",
         GOOD + b"".join(b"u%d,t%d,tiny,1\n" % (u, t) for u in range(6) for t in (1, 2)),
         args=["--factors", "8"]),
    case("scene_left_without_training_data", 0,
         "scene lonely: no training interactions after the split: skipped (not trained; 0 warm "
         "and 1 cold test pairs not evaluated)",
         GOOD + b"u1,j1,lonely,1\nu1,j2,lonely,1\n",
         args=["--cold-fraction", "1", "--seed", "5", "--evaluate"],
         check=has_skipped_record("lonely")),
    # --- malformed lines: exit 1 with FILE:LINE: reason ---
    case("header_only", 1, "{in}: no interactions found after the header", HEADER),
    case("blank_lines_only", 1, "{in}: no interactions found after the header", HEADER + b"\n\n\n"),
    case("header_repeated_mid_file", 1, "{in}:202: the header line again (were files concatenated?)",
         HEADER + rows(200) + HEADER + rows(100)),
    case("trailing_separator_on_data_only", 1, "{in}:2: expected 4 fields, found 5",
         HEADER + rows(10).replace(b"\n", b",\n")),
    case("too_few_fields", 1, "{in}:101: expected 4 fields, found 2",
         HEADER + rows(99) + b"u7,i3\n" + rows(20)),
    case("id_of_10000_characters", 1, "{in}:402: user id of 10000 bytes is longer than the 1024 allowed",
         GOOD + LONG_ID + b",i1,s0,1\n"),
    case("empty_user_id", 1, "{in}:2: empty user id", HEADER + b",i1,s0,1\n" + rows(10)),
    case("separators_only", 1, "{in}:3: empty user id", HEADER + rows(1) + b",,,\n"),
    case("empty_scene", 1, "{in}:2: empty scene id", HEADER + b"u1,i1,,1\n"),
    case("unterminated_quote", 1, "{in}:2: unterminated quote in field 1", HEADER + b'"u1,i1,s0,1\n'),
    case("value_nan", 1, "{in}:3: value nan is not finite", HEADER + rows(1) + b"u1,i1,s0,nan\n"),
    case("value_inf", 1, "{in}:3: value inf is not finite", HEADER + rows(1) + b"u1,i1,s0,inf\n"),
    case("value_negative", 1, "{in}:3: value -3 must be > 0", HEADER + rows(1) + b"u1,i1,s0,-3\n"),
    case("value_zero", 1, "{in}:3: value 0 must be > 0", HEADER + rows(1) + b"u1,i1,s0,0\n"),
    case("value_1e39", 1, "{in}:3: value 1e39 is too large (the largest is 3.4e38)",
         HEADER + rows(1) + b"u1,i1,s0,1e39\n"),
    case("value_not_a_number", 1, "{in}:3: value 'abc' is not a number",
         HEADER + rows(1) + b"u1,i1,s0,abc\n"),
    case("timestamp_not_an_integer", 1, "{in}:2: timestamp 'abc' is not an integer",
         b"user,item,scene,value,timestamp\nu1,i1,s0,1,abc\n"),
    case("missing_scene_column", 1,
         "{in}:1: missing required column 'scene' (the header's columns are: user, item)",
         b"user,item\nu1,i1\n"),
    case("duplicate_column", 1, "{in}:1: duplicate column 'user' (columns 1 and 4)",
         b"user,item,scene,user\nu1,i1,s0,u1\n"),
    case("scene_name_with_slash", 1, "scene name 'a/b' cannot be an HDF5 group name (no '/', '.' or '..')",
         GOOD + b"u1,i1,a/b,1\n"),
    case("duplicates_summing_past_float_max", 1,
         "duplicate rows of (user 'u1', item 'i1', scene 's0') sum to more than float32 can hold",
         HEADER + b"u1,i1,s0,3e38\nu1,i1,s0,3e38\n" + rows(20)),
    # --- files that are not CSV text ---
    case("empty_file", 1, "{in}: the file is empty", b""),
    case("missing_file", 1, "{dir}/missing_file.absent: cannot open: No such file or directory",
         None, args=["--input", "{dir}/missing_file.absent"]),
    case("directory_as_input", 1, "{dir}: is a directory, not a file", None,
         args=["--input", "{dir}"]),
    case("gzip_as_csv", 1,
         "{in}: this is a gzip-compressed file; decompress it first (zcat {in} > FILE.csv)",
         gzip.compress(GOOD)),
    case("binary_with_nul_bytes", 1,
         "{in}: this is a binary file (it holds NUL bytes), not a CSV/TSV interaction log",
         HEADER + b"u1,i1,s0,1\n\x00\x00\x01"),
    case("hdf5_model_as_csv", 1, "{model}: this is a HDF5 file, not a CSV/TSV interaction log",
         None, args=["--input", "{model}"]),
    # --- options ---
    case("factors_zero", 1, "--factors must be in [1, 4096], got 0", GOOD, args=["--factors", "0"]),
    case("output_is_a_directory", 1, "cannot write output '{dir}': it is a directory", GOOD,
         args=["--output", "{dir}"]),
    case("output_in_missing_directory", 1,
         "cannot write output '{dir}/no/such/model.h5': No such file or directory", GOOD,
         args=["--output", "{dir}/no/such/model.h5"]),
    # --- models given to evaluate ---
    # HDF5 itself detects the truncation; its wording is not ours to pin, only that it says so.
    case("truncated_model", 1, ("contains", "truncated"), None, args=eval_args("{dir}/truncated.h5")),
    case("model_of_another_format_version", 1,
         "{dir}/version3.h5: format_version 3 is not supported (this program reads 1 to 2)",
         None, args=eval_args("{dir}/version3.h5")),
    # Format 2 without its cold_user_rows attribute: refused, not served wrong rows.
    case("model_without_cold_user_rows", 1,
         "{dir}/no_cold_rule.h5: format_version 2 without the root attribute cold_user_rows",
         None, args=eval_args("{dir}/no_cold_rule.h5")),
    # A user_index that is not ascending: refused with the dataset named.
    case("model_with_unsorted_user_index", 1, ("contains", "user_index is not ascending"), None,
         args=eval_args("{dir}/unsorted_index.h5")),
    case("hdf5_file_not_sceneals", 1, "{dir}/plain.h5: not a SceneALS embedding file", None,
         args=eval_args("{dir}/plain.h5")),
    case("csv_as_model", 1, "{split}/train.csv: not an HDF5 file", None,
         args=eval_args("{split}/train.csv")),
    case("split_with_ids_the_model_lacks", 1,
         "{model} and the split disagree: user 'ghost' is in {dir}/ghost_test.csv but not in the "
         "model (users only in the split: 1, only in the model: 0)", None,
         args=eval_args("{model}", test="{dir}/ghost_test.csv")),
]


def expand(text, values):
    for key, value in values.items():
        text = text.replace("{%s}" % key, value)
    return text


def prepare_models():
    """A good model with its split, and the broken variants the evaluate cases use."""
    values = {"dir": WORK, "split": os.path.join(WORK, "split"),
              "model": os.path.join(WORK, "good_model.h5")}
    with open(os.path.join(WORK, "good.csv"), "wb") as f:
        f.write(GOOD)
    subprocess.run([MPIEXEC, "-n", "2", "--oversubscribe", SCENEALS, "train", "--input",
                    os.path.join(WORK, "good.csv"), "--output", values["model"], "--factors", "4",
                    "--iterations", "2", "--write-split", values["split"]],
                   check=True, stdout=subprocess.DEVNULL)
    with open(values["model"], "rb") as f:
        model = f.read()
    with open(os.path.join(WORK, "truncated.h5"), "wb") as f:
        f.write(model[: len(model) // 3])
    for name in ("version3.h5", "no_cold_rule.h5", "unsorted_index.h5"):
        with open(os.path.join(WORK, name), "wb") as f:
            f.write(model)
    with h5py.File(os.path.join(WORK, "version3.h5"), "r+") as f:
        f.attrs["format_version"] = 3
    with h5py.File(os.path.join(WORK, "no_cold_rule.h5"), "r+") as f:
        del f.attrs["cold_user_rows"]
    with h5py.File(os.path.join(WORK, "unsorted_index.h5"), "r+") as f:
        index = f["scenes"][list(f["scenes"])[0]]["user_index"]
        rows = index[()]
        rows[[0, 1]] = rows[[1, 0]]
        index[...] = rows
    with h5py.File(os.path.join(WORK, "plain.h5"), "w") as f:
        f["x"] = [1, 2, 3]
    with open(os.path.join(WORK, "ghost_test.csv"), "w") as f:
        f.write("user,item,scene,value\nghost,i1,s0,1\n")
    return values


def run_case(c, values):
    values = dict(values, **{"in": os.path.join(WORK, c["name"] + ".csv"),
                             "out": os.path.join(WORK, c["name"] + ".h5")})
    if c["data"] is not None:
        with open(values["in"], "wb") as f:
            f.write(c["data"])
    args = [expand(a, values) for a in (c["args"] or [])]
    if not args or args[0] != "evaluate":
        defaults = {"--input": values["in"], "--output": values["out"], "--factors": "4",
                    "--iterations": "2"}
        for option, value in defaults.items():
            if option not in args:
                args += [option, value]
        args = ["train"] + args
    done = subprocess.run([MPIEXEC, "-n", str(c["ranks"]), "--oversubscribe", SCENEALS] + args,
                          capture_output=True, text=True, errors="replace", timeout=300)
    problems = []
    if done.returncode != c["rc"]:
        problems.append("exit code %d, expected %d" % (done.returncode, c["rc"]))
    errors = [l[len("sceneals: error: "):] for l in done.stderr.splitlines()
              if l.startswith("sceneals: error: ")]
    if c["rc"] == 0:
        if errors:
            problems.append("unexpected error: %s" % errors[0])
        if c["expect"] and expand(c["expect"], values) not in done.stdout.splitlines():
            problems.append("stdout lacks the line %r" % expand(c["expect"], values))
        if not os.path.isfile(values["out"]) and args[0] == "train":
            problems.append("no model written")
        elif c["check"]:
            try:
                c["check"](values["out"])
            except AssertionError as e:
                problems.append(str(e))
        shown = expand(c["expect"], values) if c["expect"] else "ok"
    else:
        if len(errors) != 1:
            problems.append("%d error lines, expected exactly one" % len(errors))
        elif isinstance(c["expect"], tuple):
            if c["expect"][1] not in errors[0]:
                problems.append("message %r lacks %r" % (errors[0], c["expect"][1]))
        elif errors[0] != expand(c["expect"], values):
            problems.append("message %r, expected %r" % (errors[0], expand(c["expect"], values)))
        leftovers = [n for n in os.listdir(WORK) if n.startswith(c["name"] + ".h5")]
        if leftovers:
            problems.append("files left under the output name: %s" % leftovers)
        shown = errors[0] if errors else "(no message)"
    return problems, shown, done


def main():
    values = prepare_models()
    failed = 0
    for c in CASES:
        problems, shown, done = run_case(c, values)
        status = "FAIL" if problems else "ok"
        print("%-4s %-36s exit %d: %s" % (status, c["name"], done.returncode,
                                          shown.replace(WORK, "$WORK")))
        for p in problems:
            print("       " + p)
        if problems:
            failed += 1
            print("       stderr: " + done.stderr[-800:].replace("\n", "\n       "))
    print("%d hostile inputs, %d failed" % (len(CASES), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
