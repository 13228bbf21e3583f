#!/usr/bin/env bash
# Writes the seed inputs of the fuzz targets, tests/fuzz/corpus/<target>/seed_*: small interaction
# logs in every layout the reader accepts or must refuse, and embedding files that `sceneals
# train` writes from tests/fuzz/tiny_interactions.csv (the data embedding_reader_fuzzer compares
# models with), plus variants made with h5py that the reader must refuse. The cases fuzzing found
# (crash_*) are left alone. Everything is made here from our own data; nothing is copied in.
# The files have no extension (*.h5 is ignored by git).
# Usage: tests/fuzz/make_seed_corpus.sh BUILD_DIR   (a normal build holding app/sceneals)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sceneals=$(cd "$1" && pwd)/app/sceneals
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 SOURCE_DATE_EPOCH=0

lines=$here/corpus/line_parser
mkdir -p "$lines"
rm -f "$lines"/seed_*
seed() { printf "$2" > "$lines/seed_$1"; }
seed csv_all_columns 'user,item,scene,value,timestamp\nu1,i1,book,1,100\nu2,i2,music,2.5,-7\n'
seed csv_quoted_crlf '"User","item",Scene,"value"\r\n"u ""1""",i1,"a,b",3e2\r\n\r\nu2,i2,s,1\r\n'
seed tsv_bom_extra_columns '\xef\xbb\xbfextra\tuser\titem\tscene\t\nx\tu1\ti1\ts1\t\n'
seed csv_bad_lines 'user,item,scene,value\nu1,i1\n,i1,s\nu1,i1,s,0\nu1,i1,s,nan\nu1,"i1,s,1\n'
seed header_errors 'user,item,user\nu,i,u\n'
seed header_missing_scene 'user;item;scene\n'
seed movielens_udata '196\t242\t3\t881250949\n186\t1\t3.5\t891717742\n22\t3\t0\tx\n'
seed movielens_ratings_dat '1::1::5::978300760\r\n2::2::3::978302109\n3::9::4::1\n'
seed gzip_header '\x1f\x8b\x08\x00\x00\x00\x00\x00'

models=$here/corpus/embedding_reader
mkdir -p "$models"
rm -f "$models"/seed_*
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
train() {
  local name=$1 input=$2; shift 2
  "$sceneals" train --input "$input" --output "$models/seed_$name" --factors 2 \
    --iterations 1 "$@" >/dev/null
}
data=$here/tiny_interactions.csv
train model "$data"
train model_with_metrics "$data" --evaluate --k 2
train model_popularity "$data" --model-kind popularity
head -n 6 "$data" > "$work/fewer.csv"
train model_fewer_ids "$work/fewer.csv"

/usr/bin/python3 - "$models" <<'EOF'
import shutil, sys
import h5py, numpy as np
models = sys.argv[1]
base = f"{models}/seed_model"
def variant(name, change):
    path = f"{models}/seed_variant_{name}"
    shutil.copy(base, path)
    with h5py.File(path, "r+") as f:
        change(f)
def retype(f, name, data):
    del f[name]
    f[name] = data
variant("format_version_2", lambda f: f.attrs.modify("format_version", np.int64(2)))
variant("vlen_user_ids", lambda f: retype(f, "users/id",
        np.array([s.decode() for s in f["users/id"][()]], dtype=h5py.string_dtype())))
variant("int_user_factors", lambda f: retype(f, "scenes/alpha/user_factors",
        f["scenes/alpha/user_factors"][()].astype(np.int32)))
variant("no_item_active", lambda f: f.__delitem__("scenes/beta/item_active"))
with open(base, "rb") as whole, open(f"{models}/seed_truncated", "wb") as part:
    data = whole.read()
    part.write(data[: len(data) // 2])
EOF
gzip -n -c "$models/seed_model" > "$models/seed_gzip"
cp "$data" "$models/seed_text.csv"
: > "$models/seed_empty"
ls -l "$lines" "$models"
