#!/usr/bin/python3
"""eval/content_baseline.py and eval/movielens_features.py on tiny files written here.

content_baseline.py: (1) a split built so that the ranking is obvious (two opposite clusters of
items, ties between identical items, a user profiled from another scene, a user with no history,
a cold item without features): the metrics follow by hand; (2) random splits whose metrics a
brute-force reference below computes with plain loops (z-scores, per-candidate cosine, a full
sort), compared with --json; (3) bad features are refused naming FILE:LINE.
movielens_features.py: a fake ml-100k (u.genre, latin-1 u.item, u.data): header, genre flags,
years, the median year for an undated movie, the log; a malformed u.item line is refused.
usage: content_baseline_test.py [SOURCE_DIR]
"""
import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import unittest

if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    SOURCE_DIR = os.path.abspath(sys.argv.pop(1))
else:
    SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BASELINE = os.path.join(SOURCE_DIR, "eval", "content_baseline.py")
MOVIELENS = os.path.join(SOURCE_DIR, "eval", "movielens_features.py")


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def reference(features, train, test, ks):
    """Brute force: features {item: [values]}, train [(user, item, scene)],
    test [(user, item, scene, cold)] -> {k: (recall, precision, f1, pairs)}."""
    items = list(features)
    d = len(features[items[0]])
    z = {item: [0.0] * d for item in items}
    for j in range(d):
        column = [features[item][j] for item in items]
        mean = sum(column) / len(column)
        std = math.sqrt(sum((v - mean) ** 2 for v in column) / len(column))
        for item in items:
            z[item][j] = (features[item][j] - mean) / std if std > 0 else 0.0
    trained = {item for _, item, _ in train}
    candidates = [item for item in items if item not in trained]
    relevant = {}
    for user, item, scene, cold in test:
        # Any item without a training row: held out (cold 2), or all its rows fell in the test.
        if item not in trained:
            relevant.setdefault((user, scene), set()).add(item)

    def cosine(a, b):
        na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
        return 0.0 if na == 0 or nb == 0 else sum(x * y for x, y in zip(a, b)) / (na * nb)

    out = {}
    for k in ks:
        totals = [0.0, 0.0, 0.0]
        for (user, scene), rel in relevant.items():
            history = {i for u, i, s in train if u == user and s == scene and i in features}
            if not history:
                history = {i for u, i, s in train if u == user and i in features}
            if not history:
                continue
            profile = [sum(z[i][j] for i in history) / len(history) for j in range(d)]
            ranked = sorted(candidates, key=lambda c: (-round(cosine(profile, z[c]), 12), c))
            hits = len([c for c in ranked[:k] if c in rel])
            if hits:
                r, p = hits / len(rel), hits / k
                totals[0] += r
                totals[1] += p
                totals[2] += 2 * r * p / (r + p)
        n = len(relevant)
        out[k] = tuple(t / n for t in totals) + (n,)
    return out


class ContentBaselineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_baseline(self, features, train, test, ks, timestamps=False):
        """Writes the files (train/test as sceneals writes them) and returns the --json."""
        split = os.path.join(self.dir, "split")
        os.makedirs(split, exist_ok=True)
        extra = ["timestamp"] if timestamps else []
        write_csv(os.path.join(split, "train.csv"), ["user", "item", "scene", "value"] + extra,
                  [(u, i, s, 1) + ((100,) if timestamps else ()) for u, i, s in train])
        write_csv(os.path.join(split, "test.csv"),
                  ["user", "item", "scene", "value"] + extra + ["cold"],
                  [(u, i, s, 1) + ((200,) if timestamps else ()) + (c,) for u, i, s, c in test])
        names = ["g%d" % j for j in range(len(next(iter(features.values()))))]
        write_csv(os.path.join(self.dir, "features.csv"), ["item"] + names,
                  [[item] + [repr(v) for v in values] for item, values in features.items()])
        out = os.path.join(self.dir, "metrics.json")
        result = subprocess.run(
            [sys.executable, BASELINE, "--split-dir", split, "--features",
             os.path.join(self.dir, "features.csv"), "--json", out, "--k"] + [str(k) for k in ks],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(out) as handle:
            return json.load(handle)["cold_item"]

    def assert_metrics(self, got, k, recall, precision, f1, pairs):
        m = got[str(k)]
        self.assertEqual(m["pairs"], pairs)
        for name, want in (("recall", recall), ("precision", precision), ("f1", f1)):
            self.assertAlmostEqual(m[name], want, places=9, msg="%s@%d" % (name, k))

    def test_by_design(self):
        # Cluster A points one way, B the opposite way (three items each, so the column means
        # are 0.5), c sits at the mean (a zero vector after z-scoring); the third column is
        # constant. Trained: a1, b1 (and x, which has no features). Candidates: a2, a3 (equal
        # vectors: a2 ranks first by id), b2, b3, c.
        a, b = [1.0, 0.0, 7.0], [0.0, 1.0, 7.0]
        features = {"a1": a, "a2": a, "a3": a, "b1": b, "b2": b, "b3": b, "c": [0.5, 0.5, 7.0]}
        train = [("u1", "a1", "s1"), ("u2", "b1", "s1"), ("u3", "a1", "s2"), ("u4", "x", "s1")]
        test = [("u1", "a3", "s1", 2),   # ranked a2, a3, c, b2, b3: a3 at rank 2
                ("u1", "b1", "s1", 0),   # warm rows are ignored
                ("u2", "a2", "s1", 2),   # ranked b2, b3, c, a2, a3: a2 at rank 4
                ("u3", "a2", "s1", 2),   # no s1 history: profile from s2 (a1): a2 at rank 1
                ("u4", "b2", "s1", 2),   # no history with features: counted, 0
                ("u5", "a1", "s1", 1),   # cold-scene rows on trained items are ignored
                ("u6", "zzz", "s1", 2)]  # the item has no features: counted, never ranked
        got = self.run_baseline(features, train, test, [1, 2, 4])
        # Pairs u1, u2, u3, u4, u6; ranks of their relevant item 2, 4, 1, none, none.
        self.assert_metrics(got, 1, 1 / 5, 1 / 5, 1 / 5, 5)
        self.assert_metrics(got, 2, 2 / 5, (1 / 2 + 1 / 2) / 5, 2 * (2 / 3) / 5, 5)
        f1_at_4 = 2 * 0.25 / 1.25
        self.assert_metrics(got, 4, 3 / 5, 3 * 0.25 / 5, 3 * f1_at_4 / 5, 5)

    def test_test_rows_on_candidates_are_cold_item_pairs(self):
        # c2 has features and no training row: a warm test row on it is a cold-item pair too.
        features = {"a": [1.0, 0.0], "b": [0.0, 1.0], "c2": [1.0, 0.1]}
        train = [("u1", "a", "s1"), ("u2", "b", "s1")]
        test = [("u1", "c2", "s1", 0), ("u2", "b", "s1", 0)]  # the second is an ordinary row
        got = self.run_baseline(features, train, test, [1])
        self.assert_metrics(got, 1, 1.0, 1.0, 1.0, 1)

    def test_random_against_brute_force(self):
        rng = random.Random(20240601)
        for trial in range(6):
            with self.subTest(trial=trial):
                d = rng.randint(1, 6)
                items = ["i%d" % n for n in range(rng.randint(15, 60))] + ['q"1,2']
                features = {i: [rng.gauss(0, rng.choice([0.1, 1, 100])) for _ in range(d)]
                            for i in items}
                if d > 1:
                    for values in features.values():
                        values[d - 1] = 3.0  # a constant column
                cold_items = set(rng.sample(items, len(items) // 3))
                users = ["u%d" % n for n in range(rng.randint(5, 25))]
                scenes = ["s1", "s2", "s,3"]
                train, test = set(), set()
                for user in users:
                    for scene in scenes:
                        for item in rng.sample(items, rng.randint(0, 6)):
                            if item in cold_items:
                                test.add((user, item, scene, 2))
                            elif rng.random() < 0.7:
                                train.add((user, item, scene))
                            else:
                                test.add((user, item, scene, rng.choice([0, 1])))
                train.add((users[0], "no-features", "s1"))
                test.add((users[1], "unknown-cold", "s2", 2))
                train, test = sorted(train), sorted(test)
                ks = sorted(rng.sample(range(1, 15), 3))
                got = self.run_baseline(features, train, test, ks, timestamps=trial % 2 == 1)
                want = reference(features, train, test, ks)
                for k in ks:
                    self.assert_metrics(got, k, *want[k])

    def test_bad_features_refused(self):
        split = os.path.join(self.dir, "split")
        os.makedirs(split)
        write_csv(os.path.join(split, "train.csv"), ["user", "item", "scene", "value"],
                  [("u", "a", "s", 1)])
        write_csv(os.path.join(split, "test.csv"), ["user", "item", "scene", "value", "cold"],
                  [("u", "b", "s", 1, 2)])
        path = os.path.join(self.dir, "features.csv")
        for rows, words in (([["a", "1"], ["b", "nan"]], ["features.csv:3", "finite"]),
                            ([["a", "1"], ["b", "1", "2"]], ["features.csv:3", "fields"]),
                            ([["a", "1"], ["a", "2"]], ["features.csv:3", "repeated"])):
            write_csv(path, ["item", "f0"], rows)
            result = subprocess.run([sys.executable, BASELINE, "--split-dir", split,
                                     "--features", path], capture_output=True, text=True)
            self.assertNotEqual(result.returncode, 0)
            for word in words:
                self.assertIn(word, result.stderr)


GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western"]


class MovielensFeaturesTest(unittest.TestCase):
    MOVIES = [("1", "Toy Story (1995)", "01-Jan-1995", {3, 4, 5}),
              ("2", "Café au lait (1980)", "15-Mar-1980", {8}),
              ("3", "unknown", "", {0}),
              ("4", "Heat (1990)", "01-Jan-1990", {1, 6, 16}),
              ("5", "Memento (2001)", "27-Jul-2001", {13, 16})]
    RATINGS = [("7", "1", "5", "881250949"), ("9", "4", "2", "891717742"),
               ("7", "3", "1", "878887116")]

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        with open(os.path.join(self.dir, "u.genre"), "w", encoding="latin-1") as handle:
            handle.writelines("%s|%d\n" % (g, n) for n, g in enumerate(GENRES))
            handle.write("\n")
        self.write_items(self.MOVIES)
        with open(os.path.join(self.dir, "u.data"), "w") as handle:
            handle.writelines("\t".join(r) + "\n" for r in self.RATINGS)

    def tearDown(self):
        self.tmp.cleanup()

    def write_items(self, movies, broken=None):
        with open(os.path.join(self.dir, "u.item"), "w", encoding="latin-1") as handle:
            for item, title, date, genres in movies:
                flags = ["1" if n in genres else "0" for n in range(len(GENRES))]
                handle.write("|".join([item, title, date, "", "http://x"] + flags) + "\n")
            if broken:
                handle.write(broken + "\n")

    def convert(self, *extra):
        return subprocess.run([sys.executable, MOVIELENS, "--data-dir", self.dir,
                               "--interactions", os.path.join(self.dir, "log.csv"),
                               "--features", os.path.join(self.dir, "feat.csv"), *extra],
                              capture_output=True, text=True, timeout=60)

    def read(self, name):
        with open(os.path.join(self.dir, name), newline="", encoding="utf-8") as handle:
            return list(csv.reader(handle))

    def test_conversion(self):
        result = self.convert("--scene", "films", "--year-encoding", "number")
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = self.read("feat.csv")
        self.assertEqual(rows[0], ["item"] + GENRES + ["year"])
        # Dated years 1995, 1980, 1990, 2001: the lower median is 1990.
        years = {"1": "1995", "2": "1980", "3": "1990", "4": "1990", "5": "2001"}
        self.assertEqual(len(rows), 1 + len(self.MOVIES))
        for row, (item, _, _, genres) in zip(rows[1:], self.MOVIES):
            self.assertEqual(row[0], item)
            self.assertEqual([n for n, flag in enumerate(row[1:-1]) if flag == "1"],
                             sorted(genres))
            self.assertTrue(all(flag in ("0", "1") for flag in row[1:-1]))
            self.assertEqual(row[-1], years[item])
        log = self.read("log.csv")
        self.assertEqual(log[0], ["user", "item", "scene", "value", "timestamp"])
        self.assertEqual(log[1:], [[u, i, "films", v, t] for u, i, v, t in self.RATINGS])

    def test_without_genre_file(self):
        os.remove(os.path.join(self.dir, "u.genre"))
        result = self.convert("--year-encoding", "number")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("feat.csv")[0], ["item"] + GENRES + ["year"])
        self.assertEqual(self.read("log.csv")[1][2], "movies")

    def test_release_periods(self):
        # The default: one flag per period, before 1950, decades to the 1980s, then single
        # years from 1990 to the latest (2001 here); the undated movie gets the median, 1990.
        result = self.convert()
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = self.read("feat.csv")
        periods = (["year<1950", "year1950s", "year1960s", "year1970s", "year1980s"] +
                   ["year%d" % y for y in range(1990, 2002)])
        self.assertEqual(rows[0], ["item"] + GENRES + periods)
        period_of = {"1": "year1995", "2": "year1980s", "3": "year1990", "4": "year1990",
                     "5": "year2001"}
        for row in rows[1:]:
            flags = row[1 + len(GENRES):]
            self.assertEqual(flags.count("1"), 1, row)
            self.assertEqual(periods[flags.index("1")], period_of[row[0]])

    def test_malformed_item_line(self):
        self.write_items(self.MOVIES[:1], broken="2|Short line|01-Jan-1990|0|1")
        result = self.convert()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("u.item:2", result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "feat.csv")))


if __name__ == "__main__":
    unittest.main()
