"""Every pattern the exhaustive study (bench/exhaustive.py) decides keeps its
verdict: no later change may flip one silently.  The table lists canonical
supports as text (rows of bits separated by ',', masks by '/')."""

import json
import multiprocessing
import pathlib

import numpy as np

TABLE = pathlib.Path(__file__).resolve().parent / "data" / "verdicts.json"


def verdict_of(text):
    from certify.engine import decide
    from certify.support import from_masks
    masks = [np.array([[c == "1" for c in row] for row in layer.split(",")], dtype=bool)
             for layer in text.split("/")]
    d = decide(from_masks(masks))       # self-check on: every certificate is replayed
    return text, d.verdict, d.internal_error


def test_pinned_verdicts_of_the_exhaustive_study():
    table = json.loads(TABLE.read_text())
    expected = {t: v for v, ts in table.items() for t in ts}
    assert len(table["closed"]) > 6000 and len(table["not_closed"]) > 600
    with multiprocessing.get_context("fork").Pool(2) as pool:
        got = pool.map(verdict_of, sorted(expected), chunksize=64)
    wrong = [(t, expected[t], v, err) for t, v, err in got if v != expected[t] or err]
    assert not wrong, f"{len(wrong)} verdicts changed, e.g. {wrong[:5]}"
