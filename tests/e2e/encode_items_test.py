#!/usr/bin/python3
"""eval/encode_items.py: a python: encoder's vectors reach the features CSV unchanged (header,
ids, order, values, batching, --normalize), and an unavailable or broken encoder is refused with
a message, a non-zero exit and no output file (an existing one is left as it was).

The encoders are tests/e2e/fake_encoder.py; the expected values come from calling it directly.
usage: encode_items_test.py [SOURCE_DIR]
"""
import csv
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import unittest

if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    SOURCE_DIR = os.path.abspath(sys.argv.pop(1))
else:
    SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(SOURCE_DIR, "eval", "encode_items.py")
HERE = os.path.join(SOURCE_DIR, "tests", "e2e")
sys.path.insert(0, HERE)
import fake_encoder  # noqa: E402

ITEMS = [("i1", "A red apple"), ("i,2", "green apples, and \"pears\""), ("i3", ""),
         ("i4", "Crème brûlée with apple"), ("i5", "red red red")]


class EncodeItemsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.texts = os.path.join(self.dir, "items.csv")
        self.output = os.path.join(self.dir, "features.csv")
        with open(self.texts, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "category", "item"])  # columns in another order, one extra
            for item, text in ITEMS:
                writer.writerow([text, "x", item])

    def tearDown(self):
        self.tmp.cleanup()

    def run_script(self, encoder, *extra):
        return subprocess.run([sys.executable, SCRIPT, "--texts", self.texts, "--output",
                               self.output, "--encoder", encoder, "--encoder-path", HERE,
                               *extra], capture_output=True, text=True, timeout=120)

    def read_output(self):
        with open(self.output, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        return rows[0], [(row[0], [float(v) for v in row[1:]]) for row in rows[1:]]

    def assert_refused(self, result, words):
        self.assertNotEqual(result.returncode, 0, result.stdout)
        for word in words:
            self.assertIn(word, result.stderr)
        self.assertEqual(os.listdir(self.dir), ["items.csv"], "an output or temporary file")

    def test_values_are_the_encoders(self):
        expected = fake_encoder.encode([text for _, text in ITEMS])
        for extra in ([], ["--batch-size", "2"]):
            result = self.run_script("python:fake_encoder:encode", *extra)
            self.assertEqual(result.returncode, 0, result.stderr)
            header, rows = self.read_output()
            self.assertEqual(header, ["item"] + ["f%d" % j for j in range(fake_encoder.DIMS)])
            self.assertEqual([item for item, _ in rows], [item for item, _ in ITEMS])
            self.assertEqual([values for _, values in rows], expected)

    def test_normalize(self):
        result = self.run_script("python:fake_encoder:encode", "--normalize")
        self.assertEqual(result.returncode, 0, result.stderr)
        _, rows = self.read_output()
        for (_, values), raw in zip(rows, fake_encoder.encode([t for _, t in ITEMS])):
            norm = math.sqrt(sum(v * v for v in raw))
            for got, want in zip(values, raw):
                self.assertAlmostEqual(got, want / norm if norm else 0.0, places=12)

    def test_missing_module(self):
        self.assert_refused(self.run_script("python:no_such_encoder_module:encode"),
                            ["no_such_encoder_module"])
        self.assert_refused(self.run_script("python:fake_encoder:no_such_function"),
                            ["no_such_function"])

    def test_sentence_transformers_absent(self):
        if importlib.util.find_spec("sentence_transformers") is not None:
            self.skipTest("sentence-transformers is installed here")
        result = self.run_script("sentence-transformers:all-MiniLM-L6-v2")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assert_refused(result, ["sentence-transformers", "install", "downloads no model"])

    def test_bad_encoders(self):
        for function, words in (("ragged", ["length"]), ("with_nan", ["i5", "NaN"]),
                                ("one_short", ["4 vectors for 5 texts"])):
            with self.subTest(function=function):
                self.assert_refused(self.run_script("python:fake_encoder:" + function), words)

    def test_failure_keeps_existing_output(self):
        with open(self.output, "w") as handle:
            handle.write("previous\n")
        result = self.run_script("python:fake_encoder:with_nan")
        self.assertNotEqual(result.returncode, 0)
        with open(self.output) as handle:
            self.assertEqual(handle.read(), "previous\n")
        self.assertEqual(sorted(os.listdir(self.dir)), ["features.csv", "items.csv"])

    def test_bad_texts_file(self):
        with open(self.texts, "w") as handle:
            handle.write("item,text\ni1,one\ni1,again\n")
        self.assert_refused(self.run_script("python:fake_encoder:encode"),
                            ["items.csv:3", "repeated"])
        with open(self.texts, "w") as handle:
            handle.write("id,text\ni1,one\n")
        self.assert_refused(self.run_script("python:fake_encoder:encode"), ["items.csv:1"])


if __name__ == "__main__":
    unittest.main()
