"""Supports, chains and reduced states as the checker sees them.

Written independently of the engine: plain dicts of sets and Python-int
bitsets.  Node labels are ``(layer, index)``; in JSON they are "layer:index".
"""

from __future__ import annotations

import hashlib
import json
import re

from .numbers import Reject, integer, need, short
from .parsing import fields, spend

MAX_NODES = 200_000       # widths summed over all levels
MAX_LAYERS = 256
MAX_PATHS = 100_000       # monomials in one equation of a refutation

_LABEL = re.compile(r"^(0|[1-9][0-9]{0,8}):(0|[1-9][0-9]{0,8})$")     # indices < 10^9


def label(x) -> tuple[int, int]:
    need(isinstance(x, str) and _LABEL.fullmatch(x), f"{short(x)} is not a node label \"layer:index\"")
    a, b = x.split(":")
    return int(a), int(b)


def labels(xs, what: str) -> list:
    need(isinstance(xs, list), f"{what} must be a list")
    return [label(x) for x in xs]


def pair_labels(xs, what: str) -> list:
    need(isinstance(xs, list), f"{what} must be a list")
    out = []
    for p in xs:
        need(isinstance(p, list) and len(p) == 2, f"{what}: {short(p)} is not a pair of node labels")
        out.append((label(p[0]), label(p[1])))
    return out


# ---------------------------------------------------------------------------
# Support
# ---------------------------------------------------------------------------

def parse_support(obj) -> tuple[list[int], list[list[tuple[int, int]]]]:
    """-> (widths N_0..N_L, per layer the nonzero (i, j) in increasing order).
    The support must be in the canonical form the fingerprint is taken of:
    nonzeros strictly increasing, so no sorting is needed here."""
    if (not isinstance(obj, dict) or set(obj) != {"layers"} or not isinstance(obj["layers"], list)
            or not obj["layers"]):
        raise Reject("support: expected {\"layers\": [{\"shape\": ..., \"nonzeros\": ...}, ...]}")
    need(len(obj["layers"]) <= MAX_LAYERS, f"support: more than {MAX_LAYERS} layers is beyond this checker's bound")
    widths: list[int] = []
    layers = []
    for l, m in enumerate(obj["layers"], start=1):
        need(isinstance(m, dict) and set(m) == {"shape", "nonzeros"}, f"support layer {l}: expected keys shape and nonzeros")
        shape = m["shape"]
        need(isinstance(shape, list) and len(shape) == 2, f"support layer {l}: bad shape")
        n_out, n_in = integer(shape[0], "shape"), integer(shape[1], "shape")
        need(n_out >= 1 and n_in >= 1, f"support layer {l}: empty shape")
        if not widths:
            widths.append(n_in)
        elif widths[-1] != n_in:
            raise Reject(f"support: layers {l - 1} and {l} do not chain")
        need(sum(widths) + n_out <= MAX_NODES, f"support: more than {MAX_NODES} nodes is beyond this checker's bound")
        widths.append(n_out)
        nz = m["nonzeros"]
        need(isinstance(nz, list), f"support layer {l}: nonzeros must be a list")
        pairs, last = [], (-1, -1)
        for p in nz:
            if (type(p) is not list or len(p) != 2 or type(p[0]) is not int or type(p[1]) is not int
                    or not (0 <= p[0] < n_out and 0 <= p[1] < n_in)):
                raise Reject(f"support layer {l}: bad nonzero {short(p)} for shape {shape}")
            pair = (p[0], p[1])
            need(pair > last, f"support layer {l}: nonzeros must be strictly increasing (canonical form)")
            pairs.append(pair)
            last = pair
        layers.append(pairs)
    return widths, layers


def fingerprint(support_obj) -> str:
    """SHA-256 of the canonical text of an already validated support."""
    text = json.dumps(support_obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def connected_components(adj: dict) -> list[list]:
    """Components of an undirected graph given by adjacency lists, each sorted,
    the list sorted."""
    seen, out = set(), []
    for v in sorted(adj):
        if v in seen:
            continue
        comp, todo = set(), [v]
        while todo:
            x = todo.pop()
            if x not in comp:
                comp.add(x)
                todo.extend(adj[x])
        seen |= comp
        out.append(sorted(comp))
    return sorted(out)


# ---------------------------------------------------------------------------
# Layered chains: level k holds nodes (first + k, i); pred[k][i] lists the
# indices at level k-1 feeding node i (pred[0] is empty).
# ---------------------------------------------------------------------------

class Chain:
    def __init__(self, first: int, levels: list[list[int]], pred: list[dict[int, list[int]]]):
        self.first, self.levels, self.pred = first, levels, pred
        self.below: list[dict[int, int]] = []   # per level: inputs reaching each node (bitsets), filled lazily

    @classmethod
    def of_support(cls, widths, layers) -> "Chain":
        pred: list[dict[int, list[int]]] = [{} for _ in widths]
        for l, pairs in enumerate(layers, start=1):
            for i, j in pairs:
                pred[l].setdefault(i, []).append(j)
        return cls(0, [list(range(n)) for n in widths], pred)

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    def slice(self, a: int, b: int) -> "Chain":
        """Levels a-1..b (masks a..b, 1-based)."""
        pred = [{}] + self.pred[a:b + 1]
        out = Chain(self.first + a - 1, self.levels[a - 1:b + 1], pred)
        if a == 1:
            out.below = self.below     # same inputs and first masks: share the reachability sets
        return out

    def restrict(self, nodes: set) -> "Chain":
        spend(sum(len(lev) for lev in self.levels))
        levels = [[i for i in lev if (self.first + k, i) in nodes] for k, lev in enumerate(self.levels)]
        pred = [{} for _ in levels]
        for k in range(1, len(levels)):
            for i in levels[k]:
                ps = [j for j in self.pred[k].get(i, []) if (self.first + k - 1, j) in nodes]
                if ps:
                    pred[k][i] = ps
        return Chain(self.first, levels, pred)

    def edges(self):
        """(u, v) label pairs; sub-chains only keep edges between their nodes."""
        for k in range(1, len(self.levels)):
            below = set(self.levels[k - 1])
            spend(len(below) + sum(len(self.pred[k].get(i, ())) for i in self.levels[k]))
            for i in self.levels[k]:
                for j in self.pred[k].get(i, []):
                    if j in below:
                        yield (self.first + k - 1, j), (self.first + k, i)

    def components(self) -> list[list]:
        """Undirected components with at least one edge, sorted."""
        adj: dict = {}
        for u, v in self.edges():
            adj.setdefault(u, []).append(v)
            adj.setdefault(v, []).append(u)
        return connected_components(adj)

    def split_is_disjoint(self, s: int) -> bool:
        """C3 hypothesis at level s: twin classes have disjoint rectangles.
        Reachability as Python-int bitsets: O(edges) integer operations."""
        spend(sum(len(lev) for lev in self.levels) + sum(len(p) for d in self.pred for p in d.values())
              * (1 + (len(self.levels[0]) + len(self.levels[-1])) // 2048))   # bitset width
        # Inputs reaching each node, level by level; kept on the chain (and its
        # prefix slices), so the nested C3 checks of a proof tree do not
        # recompute them: O(L x edges) instead of O(L^2 x edges).
        if not self.below:
            self.below.append({i: 1 << pos for pos, i in enumerate(self.levels[0])})
        for k in range(len(self.below), s + 1):
            prev, below = self.below[k - 1], {}
            for i in self.levels[k]:
                acc = 0
                for j in self.pred[k].get(i, []):
                    acc |= prev.get(j, 0)
                below[i] = acc
            self.below.append(below)
        below = self.below[s]
        above = {i: 1 << pos for pos, i in enumerate(self.levels[-1])}   # outputs a node reaches
        succ_s: dict[int, list[int]] = {}
        for k in range(self.depth, s, -1):
            nxt, above = above, {j: 0 for j in self.levels[k - 1]}
            for i in self.levels[k]:
                for j in self.pred[k].get(i, []):
                    if j in above:
                        above[j] |= nxt[i]
                        if k == s + 1:
                            succ_s.setdefault(j, []).append(i)
        rect = {}
        level_below = set(self.levels[s - 1])
        for i in self.levels[s]:
            ins = frozenset(j for j in self.pred[s].get(i, []) if j in level_below)
            rect[(ins, frozenset(succ_s.get(i, [])))] = (above[i], below[i])
        cols_at_output: dict[int, int] = {}
        for rows, cols in rect.values():
            if not cols:
                continue
            spend(bin(rows).count("1") * (1 + len(self.levels[0]) // 2048))   # one step per output
            while rows:
                low = rows & -rows
                rows ^= low
                o = low.bit_length() - 1
                if cols_at_output.get(o, 0) & cols:
                    return False
                cols_at_output[o] = cols_at_output.get(o, 0) | cols
        return True


# ---------------------------------------------------------------------------
# Reduced states: replaying R1-R7
# ---------------------------------------------------------------------------

class State:
    def __init__(self, chain: Chain):
        nodes = [[(chain.first + k, i) for i in lev] for k, lev in enumerate(chain.levels)]
        self.succ = {v: set() for lev in nodes for v in lev}
        self.pred = {v: set() for lev in nodes for v in lev}
        for u, v in chain.edges():
            self.succ[u].add(v)
            self.pred[v].add(u)
        self.sources, self.sinks = set(nodes[0]), set(nodes[-1])
        self.dc: set = set()      # don't-care coordinates (sink, source)

    def hidden(self, v) -> bool:
        return v in self.succ and v not in self.sources and v not in self.sinks

    def delete(self, v) -> None:
        for u in self.pred.pop(v):
            self.succ[u].discard(v)
        for w in self.succ.pop(v):
            self.pred[w].discard(v)

    def add_edge(self, u, v) -> None:
        self.succ[u].add(v)
        self.pred[v].add(u)

    def reach(self, starts, nbrs) -> set:
        seen, todo = set(starts), list(starts)
        while todo:
            spend(1 + len(nbrs[todo[-1]]))
            for y in nbrs[todo.pop()]:
                if y not in seen:
                    seen.add(y)
                    todo.append(y)
        return seen

    def components(self) -> list[list]:
        """Components containing a hidden node, sorted."""
        spend(len(self.succ) + sum(map(len, self.succ.values())))
        adj = {v: self.succ[v] | self.pred[v] for v in self.succ}
        return [c for c in connected_components(adj) if any(self.hidden(x) for x in c)]

    def core(self) -> dict:
        spend(len(self.succ) + sum(map(len, self.succ.values())) + len(self.dc))
        return {"sources": sorted(self.sources), "sinks": sorted(self.sinks),
                "hidden": sorted(v for v in self.succ if self.hidden(v)),
                "edges": sorted((u, v) for u in self.succ for v in self.succ[u]),
                "dont_care": sorted(self.dc)}

    def paths(self, source, sink) -> list[frozenset]:
        """One monomial (set of edges) per path source -> sink."""
        count = {sink: 1}          # count first: the enumeration below is exponential

        def n_paths(v):
            if v not in count:
                count[v] = sum(n_paths(w) for w in self.succ[v])
            return count[v]

        if n_paths(source) > MAX_PATHS:
            raise Reject(f"{source} -> {sink} has more than {MAX_PATHS} paths; beyond this checker's bound")
        out = []
        spend(len(count) + count[source] * (1 + abs(source[0] - sink[0])))

        def walk(v, acc):                 # only into branches that reach the sink
            if v == sink:
                out.append(frozenset(acc))
                return
            for w in sorted(self.succ[v]):
                if n_paths(w):
                    walk(w, acc + [(v, w)])

        walk(source, [])
        return out


STEP_FIELDS = {"R1": ("nodes",), "R5": ("edges",), "R5-drop": ("sinks", "sources"),
               "R2": ("node", "side", "parallel"), "R4": ("nodes", "parallel"), "R7": (),
               "R6": ("components",)}


def replay(state: State, steps) -> list[list]:
    """Check and apply every step; return the components named by the final
    R6 step (which must be last)."""
    need(isinstance(steps, list) and steps, "reduction: steps must be a non-empty list")
    for k, step in enumerate(steps):
        need(isinstance(step, dict), f"reduction step {k}: not an object")
        rule = step.get("rule")
        need(isinstance(rule, str) and rule in STEP_FIELDS, f"reduction step {k}: unknown rule {short(rule)}")
        where = f"reduction step {k} ({rule})"
        fields(step, where, ("rule",) + STEP_FIELDS[rule])
        spend(1)
        if rule == "R1":
            nodes = labels(step["nodes"], where)
            need(bool(nodes), f"{where}: no nodes")
            live = state.reach(state.sources, state.succ) & state.reach(state.sinks, state.pred)
            for v in nodes:
                need(state.hidden(v) and v not in live, f"{where}: {v} is not a dead hidden node")
            for v in set(nodes):
                state.delete(v)
        elif rule == "R5":
            edges = pair_labels(step["edges"], where)
            need(bool(edges), f"{where}: no edges")
            for u, v in edges:
                need(u in state.sources and v in state.sinks and v in state.succ[u],
                      f"{where}: {u}->{v} is not an input-to-output edge")
                state.succ[u].discard(v)
                state.pred[v].discard(u)
                state.dc.add((v, u))
        elif rule == "R5-drop":
            sinks, sources = labels(step["sinks"], where), labels(step["sources"], where)
            need(bool(sinks or sources), f"{where}: nothing to drop")
            for group, is_sink in ((sinks, True), (sources, False)):
                for v in group:
                    line = [(v, j) for j in state.sources] if is_sink else [(i, v) for i in state.sinks]
                    spend(len(line))
                    need(v in (state.sinks if is_sink else state.sources) and
                          all(p in state.dc for p in line),
                          f"{where}: {v} is not wholly don't-care")
                gone = set(group)
                for v in gone:
                    (state.sinks if is_sink else state.sources).discard(v)
                    state.delete(v)
                spend(10 * len(state.dc))
                state.dc = {p for p in state.dc if not (p[0] in gone or p[1] in gone)}
        elif rule == "R2":
            h, side = label(step["node"]), step["side"]
            need(state.hidden(h), f"{where}: {h} is not a hidden node")
            need(side in ("in", "out"), f"{where}: side must be in or out")
            ins, outs = state.pred[h], state.succ[h]
            if side == "in":
                need(len(ins) == 1 and outs, f"{where}: {h} needs exactly one in-edge and some out-edge")
                new = [(next(iter(ins)), w) for w in outs]
            else:
                need(len(outs) == 1 and ins, f"{where}: {h} needs exactly one out-edge and some in-edge")
                new = [(u, next(iter(outs))) for u in ins]
            _finish_merge(state, [h], new, step, where)
        elif rule == "R4":
            nodes = labels(step["nodes"], where)
            need(bool(nodes) and len(set(nodes)) == len(nodes), f"{where}: bad node list")
            need(all(state.hidden(v) for v in nodes), f"{where}: not all nodes are hidden")
            P, Q = state.pred[nodes[0]], state.succ[nodes[0]]
            need(all(state.pred[v] == P and state.succ[v] == Q for v in nodes),
                  f"{where}: nodes are not twins")
            need(P and Q and len(nodes) >= min(len(P), len(Q)),
                  f"{where}: {len(nodes)} twins cannot fill a {len(Q)}x{len(P)} block")
            _finish_merge(state, nodes, [(p, q) for p in P for q in Q], step, where)
        elif rule == "R7":
            spend(10 * len(state.dc))         # rebuilding a set of label pairs: about 10 units each
            state.succ, state.pred = state.pred, state.succ
            state.sources, state.sinks = state.sinks, state.sources
            state.dc = {(b, a) for a, b in state.dc}
        elif rule == "R6":
            need(k == len(steps) - 1, f"{where}: R6 must be the last step")
            need(isinstance(step["components"], list), f"{where}: components must be a list")
            stated = [labels(c, where) for c in step["components"]]
            need(stated == state.components(), f"{where}: components differ from the replayed state")
            return stated
        else:
            raise Reject(f"{where}: unknown reduction rule")
    raise Reject("reduction: the last step must be R6")


def _finish_merge(state: State, remove: list, new: list, step: dict, where: str) -> None:
    """Delete ``remove``, add ``new`` edges; the stated parallel list must be
    exactly the new edges that already existed (R3)."""
    spend(len(new))
    parallel = sorted(e for e in set(new) if e[1] in state.succ[e[0]])
    need(pair_labels(step["parallel"], where) == parallel, f"{where}: parallel-edge list is wrong")
    for v in remove:
        state.delete(v)
    for u, v in new:
        state.add_edge(u, v)


def check_core(state: State, stated) -> None:
    fields(stated, "reduction core", ("sources", "sinks", "hidden", "edges", "dont_care"))
    mine = state.core()
    for key in ("sources", "sinks", "hidden", "edges", "dont_care"):
        parse = labels if key in ("sources", "sinks", "hidden") else pair_labels
        need(parse(stated.get(key), f"core {key}") == mine[key],
             f"reduction: replaying the steps does not reach the stated core ({key} differ)")


def closed_by_c1_c2(state: State, comp: list, rule: str) -> None:
    """C1 (one node) / C2: two-factor nodes, no direct edges, pairwise disjoint
    observed patterns, each a disjoint union of complete bipartite blocks.
    C5: two two-factor nodes with equal out-sets and nested in-sets (or the
    converse), no direct edge and no don't-care entry in the component."""
    hidden = [v for v in comp if state.hidden(v)]
    need(rule in ("C1", "C2", "C5"), f"component rule {short(rule)} is not C1, C2 or C5")
    if rule == "C5":
        need(len(hidden) == 2, "C5 needs exactly two hidden nodes")
        a, b = hidden
        for h in hidden:
            need(state.pred[h] <= state.sources and state.succ[h] <= state.sinks,
                  f"C5: {h} is not a two-factor node")
        inside = set(comp)
        for u in comp:
            if u in state.sources:
                need(not (state.succ[u] & state.sinks), f"C5: direct edge out of {u}")
        need(not any(q in inside and p in inside for q, p in state.dc), "C5: the component has a free entry")
        Pa, Pb, Qa, Qb = state.pred[a], state.pred[b], state.succ[a], state.succ[b]
        need((Qa == Qb and (Pa <= Pb or Pb <= Pa)) or (Pa == Pb and (Qa <= Qb or Qb <= Qa)),
              "C5: the two nodes are not nested")
        return
    need(rule == "C2" or len(hidden) == 1, "C1 needs exactly one hidden node")
    for u in comp:
        if u in state.sources:
            need(not (state.succ[u] & state.sinks), f"{rule}: direct edge out of {u}")
    used: set = set()
    for h in hidden:
        need(state.pred[h] <= state.sources and state.succ[h] <= state.sinks,
              f"{rule}: {h} is not a two-factor node")
        spend(len(state.succ[h]) * len(state.pred[h]))
        omega = {(q, p) for q in state.succ[h] for p in state.pred[h] if (q, p) not in state.dc}
        need(not (omega & used), f"{rule}: observed patterns overlap at {h}")
        used |= omega
        rows: dict = {}
        for q, p in omega:
            rows.setdefault(q, set()).add(p)
        spend(len(rows) ** 2)
        # Complete blocks: rows of one block have equal column sets, and rows
        # of different blocks have disjoint ones.
        blocks: list[set] = []
        for cols in rows.values():
            for b in blocks:
                if b & cols:
                    need(b == cols, f"{rule}: the observed pattern of {h} has a non-complete block")
                    break
            else:
                blocks.append(cols)
