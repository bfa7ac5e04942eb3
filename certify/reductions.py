"""Exact reductions R1-R7 (docs/theory.md §2) on the DAG view, and lifting.

A *state* ``(G, D)`` is a DAG whose sources are input nodes and whose sinks are
output nodes, with a set ``D`` of don't-care coordinates ``(sink, source)``.
Its set is ``P_{G,D}``: path-sum matrices with the ``D`` coordinates deleted.
Every step below keeps closedness of that set (both ways) and maps membership
forward, so a refutation on the reduced state refutes the original matrix.

Steps are plain dicts (node labels are ``(layer, index)`` tuples); the
certificate module writes them out and the checker replays them.
R3 (parallel edges) is applied inside R2 and R4 whenever an edge they create
already exists; those edges are listed under ``"parallel"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from .chains import Chain, Node
from .laurent import ONE, ZERO, Laurent

Edge = tuple[Node, Node]


@dataclass
class State:
    graph: nx.DiGraph
    sources: set[Node]
    sinks: set[Node]
    dont_care: set[tuple[Node, Node]] = field(default_factory=set)   # (sink, source)

    @classmethod
    def from_chain(cls, chain: Chain) -> "State":
        g = nx.DiGraph()
        for lev in chain.levels:
            g.add_nodes_from(lev)
        g.add_edges_from(chain.edges())
        return cls(g, set(chain.levels[0]), set(chain.levels[-1]))

    def copy(self) -> "State":
        return State(self.graph.copy(), set(self.sources), set(self.sinks), set(self.dont_care))

    def hidden(self) -> list[Node]:
        return sorted(v for v in self.graph if v not in self.sources and v not in self.sinks)

    def is_hidden(self, v: Node) -> bool:
        return v not in self.sources and v not in self.sinks

    def transpose(self) -> None:
        self.graph = self.graph.reverse(copy=True)
        self.sources, self.sinks = self.sinks, self.sources
        self.dont_care = {(b, a) for a, b in self.dont_care}

    def core(self) -> dict:
        """Everything the checker compares after replaying the steps."""
        return {
            "sources": sorted(self.sources),
            "sinks": sorted(self.sinks),
            "hidden": self.hidden(),
            "edges": sorted(self.graph.edges),
            "dont_care": sorted(self.dont_care),
        }

    def memo(self, cache: dict, comp, compute):
        """``compute(self, comp)``, memoised in ``cache`` on the component's edges
        and free entries (the proof searches are pure functions of them; the
        engine asks again when it describes a verdict).  Returns a copy."""
        import copy
        inside = set(comp)
        key = (tuple(sorted(e for e in self.graph.edges if e[0] in inside)),
               tuple(sorted(d for d in self.dont_care if d[0] in inside and d[1] in inside)))
        if key not in cache:
            if len(cache) > 256:
                cache.clear()
            cache[key] = compute(self, comp)
        return copy.deepcopy(cache[key])

    def two_factor(self, nodes) -> bool:
        """Every hidden node among ``nodes`` reads only sources and feeds only sinks."""
        g = self.graph
        return all(all(p in self.sources for p in g.predecessors(h)) and
                   all(q in self.sinks for q in g.successors(h))
                   for h in nodes if self.is_hidden(h))

    def path_sums_from(self, source: Node, weights: dict[Edge, Laurent], order,
                       position: dict | None = None) -> dict[Node, Laurent]:
        """Sum over paths ``source -> v`` of the product of edge weights, for all v.
        ``position`` (node -> index in the topological ``order``), when given,
        restricts the sweep to the descendants of ``source``, in the same
        order: no other node can receive a non-zero sum."""
        val: dict[Node, Laurent] = {source: ONE}
        if position is not None:
            order = sorted(nx.descendants(self.graph, source), key=position.__getitem__)
        for v in order:
            if v == source:
                continue
            acc = ZERO
            for u in self.graph.predecessors(v):
                if u in val:
                    w = weights.get((u, v), ZERO)
                    if not w.is_zero():
                        acc = acc + val[u] * w
            if not acc.is_zero():
                val[v] = acc
        return val


def original_entry(a: Node, b: Node) -> tuple[int, int]:
    """(output index, input index) of a coordinate of a reduced state given as
    ``(sink, source)``; after R7 the sink is an input node, so the layers of
    the two labels decide (inputs are layer 0)."""
    out, inp = (a, b) if a[0] > b[0] else (b, a)
    return out[1], inp[1]


@dataclass
class Reduction:
    steps: list[dict]
    final: State

    @property
    def components(self) -> list[list[Node]]:
        return self.steps[-1]["components"]


# ---------------------------------------------------------------------------
# Applying steps (shared by `reduce` and by `lift`, which replays forward)
# ---------------------------------------------------------------------------

def _remove_nodes(s: State, nodes) -> list[Edge]:
    g = s.graph
    removed = []
    for v in nodes:
        removed += [(u, v) for u in g.predecessors(v)] + [(v, w) for w in g.successors(v)]
    g.remove_nodes_from(nodes)
    return sorted(set(removed))


def apply_step(s: State, step: dict) -> dict:
    """Apply ``step`` to ``s`` in place; return what `lift` needs to undo it."""
    rule, g = step["rule"], s.graph
    if rule == "R1":
        return {"edges": _remove_nodes(s, step["nodes"])}
    if rule == "R5":
        for src, snk in step["edges"]:
            g.remove_edge(src, snk)
            s.dont_care.add((snk, src))
        return {}
    if rule == "R5-drop":
        gone = set(step["sinks"]) | set(step["sources"])
        dropped_dc = {p for p in s.dont_care if p[0] in gone or p[1] in gone}
        s.dont_care -= dropped_dc
        s.sinks -= set(step["sinks"])
        s.sources -= set(step["sources"])
        return {"edges": _remove_nodes(s, sorted(gone)), "dont_care": dropped_dc}
    if rule == "R2":
        h = step["node"]
        if step["side"] == "in":
            (g0,) = g.predecessors(h)
            new = [(g0, k) for k in sorted(g.successors(h))]
        else:
            (k0,) = g.successors(h)
            new = [(p, k0) for p in sorted(g.predecessors(h))]
        removed = _remove_nodes(s, [h])
        g.add_edges_from(new)
        return {"edges": removed, "new": new}
    if rule == "R4":
        nodes = step["nodes"]
        P = sorted(g.predecessors(nodes[0]))
        Q = sorted(g.successors(nodes[0]))
        removed = _remove_nodes(s, nodes)
        new = [(p, q) for p in P for q in Q]
        g.add_edges_from(new)
        return {"edges": removed, "new": new, "P": P, "Q": Q}
    if rule == "R7":
        s.transpose()
        return {}
    if rule == "R6":
        return {}
    raise ValueError(f"unknown reduction rule {rule!r}")


# ---------------------------------------------------------------------------
# The reduction loop
# ---------------------------------------------------------------------------

def _reach(g: nx.DiGraph, starts, forward: bool) -> set[Node]:
    nbrs = g.successors if forward else g.predecessors
    seen, stack = set(starts), list(starts)
    while stack:
        for y in nbrs(stack.pop()):
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return seen


def dead_nodes(s: State) -> list[Node]:
    """Hidden nodes on no source -> sink path (R1)."""
    fwd = _reach(s.graph, s.sources, True)
    bwd = _reach(s.graph, s.sinks, False)
    return sorted(h for h in s.hidden() if h not in fwd or h not in bwd)


def _droppable(s: State) -> tuple[list[Node], list[Node]]:
    """Sinks whose whole row is in D, then sources whose column is (w.r.t. the
    sinks that remain)."""
    sinks = sorted(k for k in s.sinks if all((k, j) in s.dont_care for j in s.sources))
    rest = s.sinks - set(sinks)
    sources = sorted(j for j in s.sources if all((k, j) in s.dont_care for k in rest))
    return sinks, sources


def _parallel(g: nx.DiGraph, new: list[Edge]) -> list[Edge]:
    return [e for e in new if g.has_edge(*e)]


def _series_step(s: State, h: Node) -> dict | None:
    g = s.graph
    indeg, outdeg = g.in_degree(h), g.out_degree(h)
    if indeg == 0 or outdeg == 0:
        return None
    if indeg == 1:
        (g0,) = g.predecessors(h)
        new = [(g0, k) for k in g.successors(h)]
        side = "in"
    elif outdeg == 1:
        (k0,) = g.successors(h)
        new = [(p, k0) for p in g.predecessors(h)]
        side = "out"
    else:
        return None
    return {"rule": "R2", "node": h, "side": side, "parallel": sorted(_parallel(g, new))}


def _twin_step(s: State) -> dict | None:
    g = s.graph
    classes: dict[tuple, list[Node]] = {}
    for h in s.hidden():
        P, Q = frozenset(g.predecessors(h)), frozenset(g.successors(h))
        if P and Q:
            classes.setdefault((P, Q), []).append(h)
    for (P, Q), members in sorted(classes.items(), key=lambda kv: kv[1][0]):
        if len(members) >= min(len(P), len(Q)):
            new = [(p, q) for p in sorted(P) for q in sorted(Q)]
            return {"rule": "R4", "nodes": members, "parallel": sorted(_parallel(g, new))}
    return None


def components(s: State) -> list[list[Node]]:
    """Connected components that contain a hidden node (the others are C0)."""
    und = s.graph.to_undirected(as_view=True)
    comps = [sorted(c) for c in nx.connected_components(und) if any(s.is_hidden(v) for v in c)]
    return sorted(comps)


def reduce(state: State) -> Reduction:
    """Apply R1, R5, R2(+R3), R4(+R3) to a fixpoint, then record R6."""
    s = state.copy()
    steps: list[dict] = []

    def record(step: dict) -> None:
        apply_step(s, step)
        steps.append(step)

    while True:
        count = len(steps)
        dead = dead_nodes(s)
        if dead:
            record({"rule": "R1", "nodes": dead})
        direct = sorted((u, v) for u in s.sources for v in s.graph.successors(u) if v in s.sinks)
        if direct:
            record({"rule": "R5", "edges": direct})
        sinks, sources = _droppable(s)
        if sinks or sources:
            record({"rule": "R5-drop", "sinks": sinks, "sources": sources})
        for h in s.hidden():
            if h in s.graph:
                step = _series_step(s, h)
                if step:
                    record(step)
        step = _twin_step(s)
        if step:
            record(step)
        if len(steps) == count:
            break
    steps.append({"rule": "R6", "components": components(s)})
    return Reduction(steps, s)


# ---------------------------------------------------------------------------
# Lifting a curve on the reduced state back to the original edges
# ---------------------------------------------------------------------------

def lift(original: State, steps: list[dict], weights: dict[Edge, Laurent],
         free=None) -> dict[Edge, Laurent]:
    """Map edge weights on the state reached by ``steps`` to weights on
    ``original`` with the same path sums on every observed coordinate of the
    reduced state, and path sum exactly ``free(sink, source)`` (default 0) on
    every coordinate the steps put into D.  Edges absent from a weight dict
    have weight 0."""
    s = original.copy()
    undo = [apply_step(s, step) for step in steps]
    w = {e: x for e, x in weights.items() if not x.is_zero()}
    for step, info in reversed(list(zip(steps, undo))):
        rule, g = step["rule"], s.graph
        if rule == "R6":
            continue
        if rule == "R7":
            s.transpose()
            w = {(v, u): x for (u, v), x in w.items()}
            continue
        if rule in ("R1", "R5-drop"):
            gone = set(step.get("nodes", [])) | set(step.get("sinks", [])) | set(step.get("sources", []))
            g.add_nodes_from(gone)
            s.sinks |= set(step.get("sinks", []))
            s.sources |= set(step.get("sources", []))
            g.add_edges_from(info["edges"])
            s.dont_care |= info.get("dont_care", set())
            continue   # restored edges carry weight 0: they touch nothing observed
        if rule == "R5":
            order = list(nx.topological_sort(g))
            position = {v: k for k, v in enumerate(order)}
            sums = {}
            for src in sorted({src for src, _ in step["edges"]}):
                sums[src] = s.path_sums_from(src, w, order, position)
            for src, snk in step["edges"]:
                want = free(snk, src) if free else ZERO
                x = want - sums[src].get(snk, ZERO)
                g.add_edge(src, snk)
                s.dont_care.discard((snk, src))
                if not x.is_zero():
                    w[(src, snk)] = x
            continue
        if rule == "R2":
            h = step["node"]
            parallel = set(step["parallel"])
            created = [e for e in info["new"] if e not in parallel]
            vals = {e: w.pop(e, ZERO) for e in created}
            g.remove_edges_from(created)
            g.add_node(h)
            g.add_edges_from(info["edges"])
            for (a, b), x in vals.items():
                # in-side: a = g0, weight of g0->h is 1, h->b carries x.
                tail = (h, b) if step["side"] == "in" else (a, h)
                if not x.is_zero():
                    w[tail] = x
            if any(not x.is_zero() for x in vals.values()):   # else h stays silent (weight 0)
                single = (next(iter(g.predecessors(h))), h) if step["side"] == "in" else \
                    (h, next(iter(g.successors(h))))
                w[single] = ONE
            continue
        if rule == "R4":
            nodes = step["nodes"]
            P, Q = info["P"], info["Q"]
            parallel = set(step["parallel"])
            block = {}
            for e in info["new"]:
                if e not in parallel:
                    block[e] = w.pop(e, ZERO)
            g.remove_edges_from(e for e in info["new"] if e not in parallel)
            g.add_nodes_from(nodes)
            g.add_edges_from(info["edges"])
            # The class realises B (Q x P, zero on parallel edges) as a sum of
            # min(|P|, |Q|) rank-one terms, one per class member.
            # A member whose term is zero keeps all its weights 0.
            if len(P) <= len(Q):
                for h, p in zip(nodes, P):
                    column = {q: block.get((p, q), ZERO) for q in Q}
                    if any(not x.is_zero() for x in column.values()):
                        w[(p, h)] = ONE
                        w.update({(h, q): x for q, x in column.items() if not x.is_zero()})
            else:
                for h, q in zip(nodes, Q):
                    row = {p: block.get((p, q), ZERO) for p in P}
                    if any(not x.is_zero() for x in row.values()):
                        w[(h, q)] = ONE
                        w.update({(p, h): x for p, x in row.items() if not x.is_zero()})
            continue
        raise ValueError(f"cannot lift through rule {rule!r}")
    return w
