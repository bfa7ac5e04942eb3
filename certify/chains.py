"""Layered chain views: a support, a contiguous range of its layers, or one
connected component of such a range, kept as numpy masks.

Node labels stay those of the full support, ``(layer, index)``, so proofs about
sub-chains (rule C3 recurses on them) name the same nodes as the top level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .support import Support, mask_nonzero

Node = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Chain:
    first: int                          # support layer number of level 0
    index: tuple[np.ndarray, ...]       # per level: the support indices of its nodes
    masks: tuple[np.ndarray, ...]       # masks[k]: (len(index[k+1]), len(index[k])) booleans

    @classmethod
    def from_support(cls, support: Support) -> "Chain":
        chain = cls(0, tuple(np.arange(n) for n in support.widths), support.masks)
        chain._nonzeros.update(enumerate(support.nonzeros))
        return chain

    @cached_property
    def _nonzeros(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        return {}

    def nonzeros(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``np.nonzero(masks[k])`` (0-based k), computed once per mask and
        shared with slices: a pass over a large dense mask is costly."""
        if k not in self._nonzeros:
            self._nonzeros[k] = mask_nonzero(self.masks[k])
        return self._nonzeros[k]

    @property
    def depth(self) -> int:
        return len(self.masks)

    @cached_property
    def key(self) -> tuple:
        """Identifies the chain among the sub-chains of one support."""
        return (self.first,) + tuple(ix.tobytes() for ix in self.index)

    @cached_property
    def levels(self) -> tuple[tuple[Node, ...], ...]:
        return tuple(tuple((self.first + k, int(i)) for i in ix) for k, ix in enumerate(self.index))

    def edges(self) -> list[tuple[Node, Node]]:
        out = []
        for k in range(self.depth):
            rows, cols = self.nonzeros(k)
            src, dst = self.index[k][cols], self.index[k + 1][rows]
            out += [((self.first + k, int(j)), (self.first + k + 1, int(i))) for i, j in zip(dst, src)]
        return out

    def slice(self, a: int, b: int) -> "Chain":
        """Masks ``a..b`` of this chain (1-based, inclusive)."""
        out = Chain(self.first + a - 1, self.index[a - 1:b + 1], self.masks[a - 1:b])
        out._nonzeros.update((k - a + 1, nz) for k, nz in self._nonzeros.items() if a - 1 <= k < b)
        return out

    def restrict(self, nodes) -> "Chain":
        keep = [np.array([(self.first + k, int(i)) in nodes for i in ix], dtype=bool)
                for k, ix in enumerate(self.index)]
        index = tuple(ix[kp] for ix, kp in zip(self.index, keep))
        masks = tuple(m[np.ix_(keep[k + 1], keep[k])] for k, m in enumerate(self.masks))
        return Chain(self.first, index, masks)

    def components(self) -> list[list[Node]]:
        """Connected components (undirected) with at least one edge; each
        sorted, the list sorted by first node.  Edgeless nodes are left out:
        they carry no entry of the product."""
        sizes = [len(ix) for ix in self.index]
        offset = np.cumsum([0] + sizes)
        parent = np.arange(offset[-1])

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        touched = np.zeros(offset[-1], dtype=bool)
        for k in range(self.depth):
            rows, cols = self.nonzeros(k)
            a, b = offset[k] + cols, offset[k + 1] + rows
            touched[a] = touched[b] = True
            for x, y in zip(a.tolist(), b.tolist()):
                rx, ry = find(x), find(y)
                if rx != ry:
                    parent[max(rx, ry)] = min(rx, ry)
        groups: dict[int, list[Node]] = {}
        for k, ix in enumerate(self.index):
            for pos, i in enumerate(ix):
                g = offset[k] + pos
                if touched[g]:
                    groups.setdefault(find(g), []).append((self.first + k, int(i)))
        return sorted(sorted(c) for c in groups.values())

    def product(self) -> np.ndarray:
        """Boolean path matrix (outputs x inputs): which inputs reach which
        outputs, as bit-packed rows (``pack_rows``)."""
        r = pack_rows(self.masks[0])
        for k in range(1, self.depth):
            r = or_product(self.masks[k], r, len(self.index[0]), self.nonzeros(k))
        return r


def pack_rows(rows: np.ndarray) -> np.ndarray:
    """Boolean rows -> bit sets as rows of 64-bit words (OR and popcount work
    word by word; numpy's per-row loops cost 8x less than on bytes)."""
    packed = np.packbits(rows, axis=1)
    pad = -packed.shape[1] % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    return np.ascontiguousarray(packed).view(np.uint64)


def unpack_rows(words: np.ndarray, width: int) -> np.ndarray:
    """Inverse of ``pack_rows``: the first ``width`` bits of each row."""
    return np.unpackbits(np.ascontiguousarray(words).view(np.uint8), axis=1, count=width).astype(bool)


# Bytes of gathered rows per numpy call: bounds the memory of the merges below.
CHUNK_BYTES = 1 << 25


def or_merge(groups: np.ndarray, items: np.ndarray, table: np.ndarray):
    """For ``groups`` sorted (non-decreasing) and ``items`` alongside it, yield
    ``(group ids, rows)`` where each row is the OR of ``table[item]`` over the
    items of that group.  Chunks never split a group, and hold about
    CHUNK_BYTES of gathered rows (more only for one big group)."""
    if groups.size == 0:
        return
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    bounds = np.r_[starts, groups.size]
    limit = max(1, CHUNK_BYTES // max(1, table.shape[1] * table.itemsize))
    pos = 0
    while pos < starts.size:
        a = bounds[pos]
        end = max(pos + 1, int(np.searchsorted(bounds, a + limit, side="right")) - 1)
        end = min(end, starts.size)
        b = bounds[end]
        first = starts[pos:end]
        sizes = np.diff(bounds[pos:end + 1])
        if sizes.max() <= 16:
            # Small groups (the usual case): OR the j-th member of every group
            # at once; numpy's reduceat pays a per-group overhead instead.
            merged = table[items[first]]
            for j in range(1, int(sizes.max())):
                more = np.flatnonzero(sizes > j)
                merged[more] |= table[items[first[more] + j]]
        else:
            merged = np.bitwise_or.reduceat(table[items[a:b]], first - a, axis=0)
        yield groups[first], merged
        pos = end


def or_product(mask: np.ndarray, prev: np.ndarray, width: int, nonzeros=None) -> np.ndarray:
    """Boolean matrix product on packed rows (``pack_rows``): row i is the OR
    of the rows of ``prev`` (``width`` bits each) that ``mask[i]`` selects.
    ``nonzeros``: ``np.nonzero(mask)`` if already known."""
    rows, cols = np.nonzero(mask) if nonzeros is None else nonzeros
    if rows.size * 8 > mask.size:
        # Dense: BLAS; counts stay exact in float32 below 2^24 and only their
        # sign is used.
        full = unpack_rows(prev, width).astype(np.float32)
        return pack_rows((mask.astype(np.float32) @ full) > 0)
    # Sparse: gather the selected rows and OR them per output row, O(nonzeros
    # x width/8) bytes, never a Python loop over rows.
    out = np.zeros((mask.shape[0], prev.shape[1]), dtype=prev.dtype)
    for ids, merged in or_merge(rows, cols, prev):
        out[ids] = merged
    return out


_POPCOUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def popcount_rows(packed: np.ndarray) -> np.ndarray:
    """Number of set bits in each packed row."""
    if hasattr(np, "bitwise_count"):        # numpy >= 2.0
        return np.bitwise_count(packed).sum(axis=1, dtype=np.int64)
    return _POPCOUNT[np.ascontiguousarray(packed).view(np.uint8)].sum(axis=1, dtype=np.int64)
