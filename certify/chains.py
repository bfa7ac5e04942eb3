"""Layered chain views: a support, a contiguous range of its layers, or one
connected component of such a range.

Node labels stay those of the full support, ``(layer, index)``, so proofs about
sub-chains (rule C3 recurses on them) name the same nodes as the top level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .support import Support

Node = tuple[int, int]


@dataclass(frozen=True)
class Chain:
    levels: tuple[tuple[Node, ...], ...]     # levels[0] = inputs, levels[-1] = outputs
    edges: frozenset[tuple[Node, Node]]      # (u, v) with u on level k-1, v on level k

    @classmethod
    def from_support(cls, support: Support) -> "Chain":
        levels = tuple(tuple((l, i) for i in range(n)) for l, n in enumerate(support.widths))
        edges = frozenset(((l - 1, j), (l, i))
                          for l in range(1, support.depth + 1) for i, j in support.layer_pairs(l))
        return cls(levels, edges)

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    @cached_property
    def succ(self) -> dict[Node, set[Node]]:
        out: dict[Node, set[Node]] = {v: set() for lev in self.levels for v in lev}
        for u, v in self.edges:
            out[u].add(v)
        return out

    @cached_property
    def pred(self) -> dict[Node, set[Node]]:
        out: dict[Node, set[Node]] = {v: set() for lev in self.levels for v in lev}
        for u, v in self.edges:
            out[v].add(u)
        return out

    def slice(self, a: int, b: int) -> "Chain":
        """Masks ``a..b`` of this chain (1-based, inclusive)."""
        levels = self.levels[a - 1:b + 1]
        keep = {v for lev in levels for v in lev}
        return Chain(levels, frozenset(e for e in self.edges if e[0] in keep and e[1] in keep))

    def restrict(self, nodes: set[Node]) -> "Chain":
        levels = tuple(tuple(v for v in lev if v in nodes) for lev in self.levels)
        edges = frozenset((u, v) for u, v in self.edges if u in nodes and v in nodes)
        return Chain(levels, edges)

    def components(self) -> list[list[Node]]:
        """Connected components (undirected) with at least one edge; each
        sorted, the list sorted by first node.  Edgeless nodes are left out:
        they carry no entry of the product."""
        seen: set[Node] = set()
        comps = []
        for lev in self.levels:
            for start in lev:
                if start in seen or not (self.succ[start] or self.pred[start]):
                    continue
                comp, stack = [], [start]
                seen.add(start)
                while stack:
                    x = stack.pop()
                    comp.append(x)
                    for y in self.succ[x] | self.pred[x]:
                        if y not in seen:
                            seen.add(y)
                            stack.append(y)
                comps.append(sorted(comp))
        return sorted(comps)
