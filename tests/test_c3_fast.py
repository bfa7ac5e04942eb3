"""The bit-packed C3 check (rules.c3_applies and its helpers) against a
direct set-based computation of the same definitions, on random chains and
with tiny merge chunks so that every chunking path runs."""

import itertools

import numpy as np
import pytest

import certify.chains as chains
from certify.chains import Chain, or_merge, pack_rows, popcount_rows, unpack_rows
from certify.rules import ClosedProver, c3_applies, twin_classes
from certify.support import from_masks, mask_nonzero


def reach(chain: Chain, a: int, b: int) -> dict[int, set[int]]:
    """Positions in level b -> positions in level a-1 reaching them (masks a..b)."""
    sets = {i: {i} for i in range(len(chain.index[a - 1]))}
    for k in range(a, b + 1):
        m = chain.masks[k - 1]
        sets = {i: set().union(*(sets[j] for j in range(m.shape[1]) if m[i, j]))
                for i in range(m.shape[0])}
    return sets


def naive_twins(chain: Chain, s: int) -> list[int]:
    first = {}
    for i in range(len(chain.index[s])):
        key = (tuple(np.flatnonzero(chain.masks[s - 1][i])), tuple(np.flatnonzero(chain.masks[s][:, i])))
        first.setdefault(key, i)
    return sorted(first.values())


def naive_c3(chain: Chain, s: int) -> bool:
    ins = reach(chain, 1, s)                                   # level s -> inputs
    outs = reach(chain, s + 1, chain.depth)                    # outputs -> level s
    rects = []
    for k in naive_twins(chain, s):
        rows = {o for o, nodes in outs.items() if k in nodes}
        rects.append({(o, i) for o in rows for i in ins[k]})
    return all(not (a & b) for a, b in itertools.combinations(rects, 2))


def random_chains(seed: int, count: int, max_width: int):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        depth = int(rng.integers(2, 5))
        widths = rng.integers(1, max_width + 1, size=depth + 1)
        density = rng.uniform(0.05, 0.9)
        masks = [rng.random((widths[l + 1], widths[l])) < density for l in range(depth)]
        chain = Chain.from_support(from_masks(masks))
        yield chain
        comps = chain.components()
        if comps:
            yield chain.restrict(set(comps[-1]))


@pytest.mark.parametrize("chunk", [1, 50, 1 << 25])
def test_c3_matches_the_definition(monkeypatch, chunk):
    monkeypatch.setattr(chains, "CHUNK_BYTES", chunk)
    seen = {True: 0, False: 0}
    for chain in random_chains(chunk, 60, 9):
        prover = ClosedProver(use_reductions=False)
        for s in range(1, chain.depth):
            if min(len(ix) for ix in chain.index) == 0:
                continue
            want = naive_c3(chain, s)
            assert c3_applies(chain, s) == want
            assert c3_applies(chain, s, prover.product) == want
            assert list(twin_classes(chain, s)) == naive_twins(chain, s)
            seen[want] += 1
    assert seen[True] > 10 and seen[False] > 10      # both answers were exercised


def test_or_merge_and_packing():
    rng = np.random.default_rng(7)
    table = rng.random((30, 150)) < 0.2
    packed = pack_rows(table)
    assert packed.dtype == np.uint64 and (unpack_rows(packed, 150) == table).all()
    assert list(popcount_rows(packed)) == [int(r.sum()) for r in table]
    # Groups of 1 to 40 items (both the small-group loop and reduceat).
    sizes = [1, 3, 17, 40, 2, 16]
    groups = np.repeat(np.arange(len(sizes)) * 3, sizes)
    items = rng.integers(0, 30, size=groups.size)
    for chunk in (1, 200, 1 << 25):
        chains.CHUNK_BYTES, old = chunk, chains.CHUNK_BYTES
        try:
            out = {}
            for ids, merged in or_merge(groups, items, packed):
                for g, row in zip(ids.tolist(), unpack_rows(merged, 150)):
                    assert g not in out
                    out[g] = row
        finally:
            chains.CHUNK_BYTES = old
        for g in set(groups.tolist()):
            assert (out[g] == table[items[groups == g]].any(axis=0)).all()


def test_mask_nonzero_matches_numpy():
    rng = np.random.default_rng(3)
    masks = [rng.random((rng.integers(1, 50), rng.integers(1, 50))) < p
             for p in (0.001, 0.01, 0.2, 0.9) for _ in range(20)]
    big = np.zeros((512, 512), dtype=bool)
    big[[0, 5, 511, 300], [0, 9, 511, 2]] = True
    for m in masks + [m.T for m in masks] + [big]:
        got, want = mask_nonzero(m), np.nonzero(m)
        assert all((g == w).all() and g.dtype == w.dtype for g, w in zip(got, want))
