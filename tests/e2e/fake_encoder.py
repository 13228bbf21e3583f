"""Deterministic stand-in encoders for tests/e2e/encode_items_test.py (no model, no numpy).

encode: a hashed bag of words in 8 dimensions: each lower-case word adds 1 to dimension
crc32(word) % 8, and the text's length (characters / 100) sits in dimension 0 as well, so that
two texts differ whenever their words or lengths do. The others are broken on purpose.
"""
import zlib

DIMS = 8


def encode(texts):
    vectors = []
    for text in texts:
        vector = [0.0] * DIMS
        for word in text.lower().split():
            vector[zlib.crc32(word.encode("utf-8")) % DIMS] += 1.0
        vector[0] += len(text) / 100.0
        vectors.append(vector)
    return vectors


def ragged(texts):
    """Vectors of different lengths."""
    return [[1.0] * (2 + i % 2) for i, _ in enumerate(texts)]


def with_nan(texts):
    """A NaN in the last vector."""
    vectors = encode(texts)
    vectors[-1][3] = float("nan")
    return vectors


def one_short(texts):
    """One vector fewer than texts."""
    return encode(texts)[:-1]
