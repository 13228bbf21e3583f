#!/usr/bin/python3
"""Item texts to an item features CSV (for `sceneals train --item-features`), with a local
encoder of your choice.

Why: SceneALS reads numbers, not text; which text encoder suits a catalogue is the user's call,
so this script only runs one that is already installed and checks what it returns.

How
  --texts ITEMS.csv     header with the columns item and text (others ignored); one row per item.
  --encoder SPEC        sentence-transformers:MODEL   a local model folder or a model already in
                                                      the local cache; the package is imported
                                                      only then and runs offline: this script
                                                      downloads nothing.
                        python:MODULE:FUNCTION        FUNCTION(list of texts) -> one numeric
                                                      vector per text, all of one length
                                                      (--encoder-path DIR is put on sys.path).
  --batch-size N        texts are given to the encoder N at a time (default 256).
  --normalize           scale every vector to unit L2 length (a zero vector stays zero).
  --output F.csv        header item,f0,...,f{d-1}; one row per item, in the order of --texts.
The encoder's output is checked (one vector per text, equal lengths, finite numbers). The output
is written to a temporary file and renamed, so a failure never leaves a partial file.
Exit codes: 0 done, 1 bad input or bad encoder output, 2 encoder not available (or bad usage).

usage: eval/encode_items.py --texts items.csv --encoder python:my_encoder:encode --output f.csv
"""
import argparse
import csv
import importlib
import os
import sys
import tempfile

import numpy as np

PROG = "encode_items.py"


def fail(message, code=1):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(code)


def read_texts(path):
    """[(item, text)] in file order."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header or "item" not in header or "text" not in header:
                fail(f"{path}:1: the header must name the columns item and text; got {header}")
            at_item, at_text = header.index("item"), header.index("text")
            rows, seen = [], set()
            for row in reader:
                if not row:
                    continue
                where = f"{path}:{reader.line_num}"
                if len(row) != len(header):
                    fail(f"{where}: {len(row)} fields, the header has {len(header)}")
                item = row[at_item]
                if not item:
                    fail(f"{where}: empty item id")
                if item in seen:
                    fail(f"{where}: item {item!r} repeated")
                seen.add(item)
                rows.append((item, row[at_text]))
    except OSError as error:
        fail(str(error))
    except (UnicodeDecodeError, csv.Error) as error:
        fail(f"{path}: {error}")
    if not rows:
        fail(f"{path}: no items")
    return rows


def load_encoder(spec, paths, batch_size):
    """A function list of texts -> sequence of vectors, from the --encoder SPEC."""
    kind, _, rest = spec.partition(":")
    if kind == "sentence-transformers" and rest:
        # Offline: a model name that is not on this machine is an error, never a download.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            fail(f"--encoder {spec}: the sentence-transformers package cannot be imported "
                 f"({error}). Install it (pip install sentence-transformers, or your "
                 f"distribution's package) and put the model on this machine; this script "
                 f"downloads no model.", 2)
        try:
            model = SentenceTransformer(rest)
        except Exception as error:  # the library raises many kinds; all mean "not available"
            fail(f"--encoder {spec}: cannot load the model {rest!r} offline ({error})", 2)
        return lambda texts: model.encode(texts, batch_size=batch_size, convert_to_numpy=True)
    if kind == "python":
        module_name, _, function_name = rest.partition(":")
        if not module_name or not function_name:
            fail(f"--encoder {spec}: expected python:MODULE:FUNCTION", 2)
        sys.path[:0] = paths
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            fail(f"--encoder {spec}: cannot import module {module_name!r} ({error}); "
                 f"--encoder-path DIR adds the folder holding it to the search path", 2)
        function = getattr(module, function_name, None)
        if not callable(function):
            fail(f"--encoder {spec}: module {module_name!r} has no function {function_name!r}", 2)
        return function
    fail(f"--encoder {spec!r}: expected sentence-transformers:MODEL or python:MODULE:FUNCTION", 2)


def encode(encoder, items, batch_size):
    """The checked matrix of vectors, one row per item."""
    vectors = []
    for start in range(0, len(items), batch_size):
        batch = items[start:start + batch_size]
        try:
            out = list(encoder([text for _, text in batch]))
        except Exception as error:
            fail(f"the encoder failed on items {start + 1}..{start + len(batch)}: "
                 f"{type(error).__name__}: {error}")
        if len(out) != len(batch):
            fail(f"the encoder returned {len(out)} vectors for {len(batch)} texts")
        for (item, _), vector in zip(batch, out):
            array = np.asarray(vector)
            if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "biuf":
                fail(f"item {item!r}: the encoder returned {vector!r:.80}, not a non-empty "
                     f"vector of numbers")
            array = array.astype(np.float64)
            if vectors and array.size != vectors[0].size:
                fail(f"item {item!r}: vector of length {array.size}, the first one has "
                     f"{vectors[0].size}")
            if not np.all(np.isfinite(array)):
                fail(f"item {item!r}: the encoder returned a non-finite number (NaN or inf)")
            vectors.append(array)
    return np.vstack(vectors)


def write_atomically(path, items, matrix):
    directory = os.path.dirname(os.path.abspath(path))
    handle = tempfile.NamedTemporaryFile("w", dir=directory, prefix=".encode_items.",
                                         suffix=".tmp", delete=False, newline="",
                                         encoding="utf-8")
    try:
        with handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["item"] + [f"f{j}" for j in range(matrix.shape[1])])
            for (item, _), row in zip(items, matrix):
                writer.writerow([item] + [repr(float(v)) for v in row])
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", required=True, help="CSV with columns item,text")
    parser.add_argument("--output", required=True, help="features CSV to write")
    parser.add_argument("--encoder", required=True,
                        help="sentence-transformers:MODEL or python:MODULE:FUNCTION")
    parser.add_argument("--encoder-path", action="append", default=[], metavar="DIR",
                        help="folder to import a python: encoder from (repeatable)")
    parser.add_argument("--batch-size", type=int, default=256, help="texts per encoder call")
    parser.add_argument("--normalize", action="store_true", help="L2-normalise every vector")
    args = parser.parse_args()
    if args.batch_size <= 0:
        parser.error("--batch-size must be positive")
    if not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        fail(f"--output {args.output}: its folder does not exist")

    items = read_texts(args.texts)
    encoder = load_encoder(args.encoder, args.encoder_path, args.batch_size)
    matrix = encode(encoder, items, args.batch_size)
    if args.normalize:
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms > 0, norms, 1.0)
    try:
        write_atomically(args.output, items, matrix)
    except OSError as error:
        fail(f"--output {args.output}: {error}")
    print(f"{len(items)} items x {matrix.shape[1]} features -> {args.output}")


if __name__ == "__main__":
    main()
