"""The closedness sentence of a support (or of a reduced state) in QEPCAD B's
input language: the source paper's approach (its §3.3), decided by real
quantifier elimination.  Used only by bench/qe_baseline.py; nothing in the
engine depends on it.

For a state ``(G, D)`` (docs/theory.md §1; a raw support is the state with
``D`` empty) the set is ``P = { (p_c(w))_c }``, ``p_c`` the path-sum
polynomial of an observed coordinate ``c = (sink, source)`` not in ``D``.
``P`` is closed iff

    for all A:  A in cl(P)  =>  A in P
    <=>  for all A:  not(for all e > 0, exists w: |p(w) - A|^2 < e)  or  exists v: p(v) = A
    <=>  for all A:  (exists e: e > 0 and for all w: |p(w) - A|^2 >= e)  or  exists v: p(v) = A
    <=>  (A a)(E e)(E v)(A w) [ [e > 0 /\\ |p(w) - a|^2 >= e] \\/ p(v) = a ]

The last step pulls the quantifiers out of the disjunction: ``v`` does not
occur in the left disjunct and ``e, w`` do not occur in the right one (if the
right disjunct holds for some ``v``, any ``e`` works; if the left holds for
some ``e``, any ``v`` works; conversely for fixed ``e, v`` the matrix holding
for all ``w`` means the right disjunct holds or the left one holds for all w).

Exact reductions of the variables (each keeps the truth value of the sentence):

- A coordinate with no source -> sink path is 0 on all of ``P`` and on its
  closure, so ``A`` with a non-zero there is in neither: fixing it to 0 (that
  is, leaving it out) keeps the sentence's value.  The same for an edge on no
  path to an observed coordinate: its weight occurs in no ``p_c``.
- ``gauge=True`` (default) fixes, in the closure copy ``w`` only, the weight
  of one chosen in-edge of every hidden node to 1.  Proof: ``p`` is continuous
  and the all-non-zero weights are dense, so ``cl(P) = cl(p(U))`` with ``U``
  the weights with no zero entry.  On ``U``, rescaling a hidden node ``h``
  (in-edges times ``t``, out-edges divided by ``t``) keeps every path sum (a
  path through ``h`` uses one in-edge and one out-edge of it); doing this for
  the hidden nodes in topological order makes every chosen in-edge 1 (a
  chosen in-edge of ``h`` is changed later only by rescaling ``h`` itself, or
  its tail, which comes earlier).  So ``p(U)`` lies in
  ``p({w : chosen edges = 1}) ⊆ P``, whose closure is therefore ``cl(P)``.
  The membership copy ``v`` keeps every weight (a member may need a zero
  there).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx


@dataclass
class Sentence:
    text: str                    # the formula, ending with "."
    variables: list[str]         # in QEPCAD's order (quantifier order)
    coordinates: list[tuple]     # the observed coordinates (sink, source), one per a-variable
    closure_weights: int         # universal weight variables (w)
    member_weights: int          # existential weight variables (v)

    @property
    def trivial(self) -> bool:
        """No observed coordinate: the set is a point, closed; nothing to ask."""
        return not self.coordinates

    def qepcad_input(self, description: str = "closedness") -> str:
        """The whole stdin for ``qepcad``: description, variables, number of
        free variables (0: a sentence), formula, then ``finish``."""
        return (f"[ {description} ]\n({','.join(self.variables)})\n0\n{self.text}\nfinish\n")


def _paths(g: nx.DiGraph, source, sink) -> list[list[tuple]]:
    """Every source -> sink path as its list of edges (the graphs are tiny)."""
    return [list(zip(p, p[1:])) for p in nx.all_simple_paths(g, source, sink)] if source != sink else []


def _poly(paths: list[list[tuple]], name: dict) -> str:
    # Distinct paths of a DAG have distinct edge sets: no like terms to merge.
    return " + ".join(" ".join(name[e] for e in path) for path in paths)


def closedness_sentence(graph: nx.DiGraph, sources, sinks, dont_care=(), gauge: bool = True) -> Sentence:
    """The prenex sentence that is true iff the state's set is closed."""
    dont_care = set(dont_care)
    coords, paths = [], {}
    for k in sorted(sinks):
        for j in sorted(sources):
            if (k, j) in dont_care:
                continue
            ps = _paths(graph, j, k)
            if ps:                      # else structurally zero: left out (exact, see above)
                coords.append((k, j))
                paths[(k, j)] = ps
    used = sorted({e for ps in paths.values() for p in ps for e in p})
    pinned = set()
    if gauge:
        hidden = [h for h in nx.topological_sort(graph) if h not in sources and h not in sinks]
        for h in hidden:
            ins = sorted(e for e in used if e[1] == h)
            if ins:
                pinned.add(ins[0])
    v_name = {e: f"v{n}" for n, e in enumerate(used, 1)}
    w_free = [e for e in used if e not in pinned]
    w_name = {e: f"w{n}" for n, e in enumerate(w_free, 1)}
    w_name.update({e: "1" for e in pinned})
    a_name = {c: f"a{n}" for n, c in enumerate(coords, 1)}

    variables = [a_name[c] for c in coords] + ["e"] + [v_name[e] for e in used] + \
        [w_name[e] for e in w_free]
    if not coords:
        return Sentence("", [], [], 0, 0)

    def w_poly(c):
        # Pinned weights print as "1": drop them from each monomial.
        terms = []
        for p in paths[c]:
            factors = [w_name[e] for e in p if e not in pinned]
            terms.append(" ".join(factors) if factors else "1")
        return " + ".join(terms)

    norm = " + ".join(f"({w_poly(c)} - {a_name[c]})^2" for c in coords)
    members = " /\\ ".join(f"[ {_poly(paths[c], v_name)} = {a_name[c]} ]" for c in coords)
    quant = "".join(f"(A {a_name[c]})" for c in coords) + "(E e)" + \
        "".join(f"(E {v_name[e]})" for e in used) + "".join(f"(A {w_name[e]})" for e in w_free)
    text = f"{quant}[ [ [ e > 0 ] /\\ [ {norm} >= e ] ] \\/ [ {members} ] ]."
    return Sentence(text, variables, coords, len(w_free), len(used))


def state_sentence(state, gauge: bool = True) -> Sentence:
    """For a ``certify.reductions.State`` (raw support or reduced core)."""
    return closedness_sentence(state.graph, state.sources, state.sinks, state.dont_care, gauge)
