#!/usr/bin/python3
"""Checks --write-split output against the input it came from: train + test hold exactly the
input's (user, item, scene) triples with duplicate rows summed; a cold test pair (user, scene) has
no training rows, a warm one has; the model's user and item ids are the input's.
Usage: check_split_files.py INPUT.csv train.csv test.csv MODEL.h5"""
import csv
import sys
from collections import defaultdict

import h5py


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    source, train_path, test_path, model = sys.argv[1:5]
    expected = defaultdict(float)
    for row in read(source):
        expected[(row["user"], row["item"], row["scene"])] += float(row.get("value") or 1)
    got = {}
    train_pairs, cold_pairs, warm_pairs = set(), set(), set()
    for row in read(train_path):
        key = (row["user"], row["item"], row["scene"])
        if key in got:
            sys.exit(f"FAIL: {key} twice in train.csv")
        got[key] = float(row["value"])
        train_pairs.add((row["user"], row["scene"]))
    for row in read(test_path):
        key = (row["user"], row["item"], row["scene"])
        if key in got:
            sys.exit(f"FAIL: {key} in both train.csv and test.csv (or twice)")
        got[key] = float(row["value"])
        (cold_pairs if row["cold"] == "1" else warm_pairs).add((row["user"], row["scene"]))
    if set(got) != set(expected):
        sys.exit(f"FAIL: split holds {len(got)} triples, input has {len(expected)} distinct ones")
    for key, value in expected.items():
        if abs(got[key] - value) > 1e-5 * max(1.0, value):
            sys.exit(f"FAIL: {key}: value {got[key]} in the split, {value} summed from the input")
    if cold_pairs & train_pairs:
        sys.exit(f"FAIL: cold pairs with training rows: {sorted(cold_pairs & train_pairs)[:3]}")
    if not warm_pairs <= train_pairs:
        sys.exit("FAIL: a warm test pair has no training rows")
    if not cold_pairs or not warm_pairs:
        sys.exit("FAIL: expected both warm and cold test pairs")
    with h5py.File(model, "r") as f:
        users = {u.decode() for u in f["users/id"][()]}
        items = {i.decode() for i in f["items/id"][()]}
    if users != {k[0] for k in expected} or items != {k[1] for k in expected}:
        sys.exit("FAIL: the model's user or item ids differ from the input's")
    print(f"OK: {len(got)} triples; {len(warm_pairs)} warm and {len(cold_pairs)} cold test pairs")


if __name__ == "__main__":
    main()
