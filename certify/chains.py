"""Layered chain views: a support, a contiguous range of its layers, or one
connected component of such a range, kept as numpy masks.

Node labels stay those of the full support, ``(layer, index)``, so proofs about
sub-chains (rule C3 recurses on them) name the same nodes as the top level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .support import Support

Node = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Chain:
    first: int                          # support layer number of level 0
    index: tuple[np.ndarray, ...]       # per level: the support indices of its nodes
    masks: tuple[np.ndarray, ...]       # masks[k]: (len(index[k+1]), len(index[k])) booleans

    @classmethod
    def from_support(cls, support: Support) -> "Chain":
        return cls(0, tuple(np.arange(n) for n in support.widths), support.masks)

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
        for k, m in enumerate(self.masks):
            rows, cols = np.nonzero(m)
            src, dst = self.index[k][cols], self.index[k + 1][rows]
            out += [((self.first + k, int(j)), (self.first + k + 1, int(i))) for i, j in zip(dst, src)]
        return out

    def slice(self, a: int, b: int) -> "Chain":
        """Masks ``a..b`` of this chain (1-based, inclusive)."""
        return Chain(self.first + a - 1, self.index[a - 1:b + 1], self.masks[a - 1:b])

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
        for k, m in enumerate(self.masks):
            rows, cols = np.nonzero(m)
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
        """Boolean path matrix (outputs x inputs): which inputs reach which outputs."""
        r = self.masks[0]
        for m in self.masks[1:]:
            r = or_product(m, r)
        return r


def or_product(mask: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """Boolean matrix product: row i is the OR of the rows of ``prev`` that
    ``mask[i]`` selects."""
    if mask.sum() * 8 > mask.size:
        # Dense: BLAS; counts stay exact in float32 below 2^24 and only their
        # sign is used.
        return (mask.astype(np.float32) @ prev.astype(np.float32)) > 0
    out = np.zeros((mask.shape[0], prev.shape[1]), dtype=bool)
    for i, row in enumerate(mask):
        idx = np.flatnonzero(row)
        if idx.size:
            out[i] = prev[idx].any(axis=0)
    return out
