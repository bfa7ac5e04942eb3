"""Refutations of ``A ∈ P`` on a reduced state (docs/theory.md §4).

The polynomial system of a state has one equation per observed coordinate
``(sink, source)``: the sum over paths ``source -> sink`` of the products of
the edge variables equals ``A`` there.  A propagation refutation is a list of
deductions; each names the earlier steps whose facts it uses (``uses``) and
may rely on those facts only:

* ``nonzero`` at an entry with target ≠ 0 and exactly one monomial without a
  known-zero variable: all its variables are non-zero;
* ``zero`` at an entry with target 0 and one such monomial whose other
  variables are known non-zero: ``var`` is zero (a contradiction if ``var``
  is known non-zero);
* ``contradiction`` at an entry with target ≠ 0 and no such monomial.

The last step is the contradiction and every other step is used by a later
one, so deleting or reordering steps breaks the references.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass


def w1_refutation(node, i1, j1, i2, j2) -> list[dict]:
    """The W1 limit (1 at (i1,j1) and (i2,j2), 0 at (i2,j1)) is not in the set:
    u_i1 v_j1 = 1 makes v_j1 ≠ 0; u_i2 v_j1 = 0 then makes u_i2 = 0; so
    u_i2 v_j2 = 0 ≠ 1."""
    return [
        {"entry": (i1, j1), "rule": "nonzero", "uses": []},
        {"entry": (i2, j1), "rule": "zero", "var": (node, i2), "uses": [0]},
        {"entry": (i2, j2), "rule": "contradiction", "uses": [1]},
    ]


def w2_refutation(entry, u, a, b, r1, r2, ca, c, cb) -> list[dict]:
    """The W2 limit (1 at (r1,ca), (r1,cb), (r2,c); 0 at (r2,ca), (r2,cb)):
    the two exclusive columns force u^a_r2 = u^b_r2 = 0, and then (r2, c),
    covered by a and b only, cannot be 1.  ``entry(row, col)`` and ``u(node,
    row)`` name coordinates and row-side edges in the state's orientation."""
    return [
        {"entry": entry(r1, ca), "rule": "nonzero", "uses": []},
        {"entry": entry(r2, ca), "rule": "zero", "var": u(a, r2), "uses": [0]},
        {"entry": entry(r1, cb), "rule": "nonzero", "uses": []},
        {"entry": entry(r2, cb), "rule": "zero", "var": u(b, r2), "uses": [2]},
        {"entry": entry(r2, c), "rule": "contradiction", "uses": [1, 3]},
    ]


# ---------------------------------------------------------------------------
# General propagation on a component's system
# ---------------------------------------------------------------------------

@dataclass
class Equation:
    entry: tuple            # (sink, source)
    monomials: list         # one frozenset of edges per path source -> sink
    target: object          # fmpq


def path_monomials(graph, source, sink, limit: int = 10_000) -> list[frozenset] | None:
    """One monomial (set of edges) per path ``source -> sink``; None beyond ``limit``."""
    memo: dict = {sink: [()]}

    def paths(v):
        if v not in memo:
            out = []
            for w in sorted(graph.successors(v)):
                out += [((v, w),) + rest for rest in paths(w)]
                if len(out) > limit:
                    raise OverflowError
            memo[v] = out
        return memo[v]

    try:
        return [frozenset(p) for p in paths(source)]
    except OverflowError:
        return None


MAX_SYSTEM_MONOMIALS = 200_000
MAX_PATHS = 10_000       # per coordinate (path_monomials' limit)


def _path_count(graph, sink, memo: dict, v) -> int:
    """Number of paths ``v -> sink``; ``memo`` is shared by all sources of one sink."""
    if v not in memo:
        memo[v] = sum(_path_count(graph, sink, memo, w) for w in graph.successors(v))
    return memo[v]


def component_paths(state, comp) -> list[tuple] | None:
    """``[(entry, monomials), ...]`` of the observed coordinates inside
    ``comp``, in the order of component_system; None if it is too big.

    Same result as calling path_monomials per coordinate, but cheaper: path
    counts are computed first (no list is built when the system is too big),
    and the enumeration memo is shared by every source of one sink (a node's
    path list to a sink does not depend on the source).  Every node a source
    reaches has at most as many paths to the sink as the source itself, so
    path_monomials overflows exactly when the source's count exceeds its limit."""
    nodes = set(comp)
    sinks = sorted(state.sinks & nodes)
    sources = sorted(state.sources & nodes)
    pairs = [(snk, src) for snk in sinks for src in sources if (snk, src) not in state.dont_care]
    graph = state.graph
    counts: dict = {}
    size = 0
    for snk, src in pairs:
        memo = counts.setdefault(snk, {snk: 1})
        n = _path_count(graph, snk, memo, src)
        size += n
        if n > MAX_PATHS or size > MAX_SYSTEM_MONOMIALS:
            return None
    out = []
    lists: dict = {}
    for snk, src in pairs:
        memo = lists.setdefault(snk, {snk: [()]})

        def paths(v, memo=memo):
            if v not in memo:
                acc = []
                for w in sorted(graph.successors(v)):
                    acc += [((v, w),) + rest for rest in paths(w)]
                memo[v] = acc
            return memo[v]

        out.append(((snk, src), [frozenset(p) for p in paths(src)]))
    return out


def component_system(state, comp, target, paths: list | None = None) -> list[Equation] | None:
    """Equations of the observed coordinates inside ``comp``; ``target(sink,
    source)`` gives the right-hand side.  None if the system is too big to
    write out (more than MAX_SYSTEM_MONOMIALS monomials, or more than
    MAX_PATHS in one coordinate).  ``paths``: component_paths(state, comp),
    when the caller already has it (the monomial lists are shared, never
    modified)."""
    if paths is None:
        paths = component_paths(state, comp)
    if paths is None:
        return None
    return [Equation(entry, monos, target(*entry)) for entry, monos in paths]


MAX_BLOCK = 3            # block steps: square blocks of 2 x 2 or 3 x 3 entries


def _two_paths(eq: Equation) -> set | None:
    """The hidden nodes h of an entry whose every monomial is a path
    source -> h -> sink, or None."""
    q, p = eq.entry
    nodes = set()
    for m in eq.monomials:
        if len(m) != 2:
            return None
        (a, b), (c, d) = sorted(m)
        if a == p and b == c and d == q:
            nodes.add(b)
        elif c == p and d == a and b == q:
            nodes.add(d)
        else:
            return None
    return nodes


class BlockTable:
    """The candidate blocks of block steps on one system (its structure only:
    the witness search refutes many targets on one system): rows R and
    columns C (k x k, 2 <= k <= MAX_BLOCK) whose entries are sums over the
    same k two-factor nodes H, each with the lines through it (a further row
    or column covered by nodes of H only)."""

    def __init__(self, equations: list[Equation]):
        by = {}
        for eq in equations:
            nodes = _two_paths(eq)
            if nodes is not None:
                by[eq.entry] = (eq, nodes)
        sinks, sources = sorted({q for q, _ in by}), sorted({p for _, p in by})
        edges = set().union(*(m for eq in equations for m in eq.monomials)) if equations else set()
        self.blocks = []
        for k in range(2, MAX_BLOCK + 1):
            for R in itertools.combinations(sinks, k):
                for C in itertools.combinations(sources, k):
                    if not all((r, c) in by for r in R for c in C):
                        continue
                    H = set().union(*(by[(r, c)][1] for r in R for c in C))
                    if len(H) != k:
                        continue
                    lines = [((i, C[0]), [(i, c) for c in C], {(h, i) for h in H}) for i in sinks if i not in R]
                    lines += [((R[0], j), [(r, j) for r in R], {(j, h) for h in H})
                              for j in sources if j not in C]
                    lines = [(entry, [by[e][0] for e in cells], {v for v in vars_ if v in edges})
                             for entry, cells, vars_ in lines
                             if all(e in by and by[e][1] <= H for e in cells)]
                    if lines:
                        self.blocks.append((list(R), list(C), [by[(r, c)][0] for r in R for c in C], lines))

    def steps(self) -> list[tuple]:
        """For the current targets: (R, C, line entry, variables) of every
        line with target 0 through a non-singular block, in search order."""
        from flint import fmpq_mat
        out = []
        for R, C, cells, lines in self.blocks:
            zero_lines = [(entry, vars_) for entry, line, vars_ in lines if all(eq.target == 0 for eq in line)]
            k = len(R)
            if zero_lines and fmpq_mat(k, k, [eq.target for eq in cells]).rank() == k:
                out += [(R, C, entry, vars_) for entry, vars_ in zero_lines]
        return out


def find_block(table: BlockTable, known_zero, steps: list | None = None) -> tuple | None:
    """A block step (docs/theory.md §4): rows R and columns C (k x k, 2 <= k <=
    MAX_BLOCK) whose entries are sums over the same k two-factor nodes H and
    whose target block is non-singular, so the nodes' column factors on C are
    independent; then a further row i (column j) with target 0 on C (on R),
    covered by nodes of H only, has every factor x_h[i] (y_h[j]) zero.
    Returns (R, C, line entry, new zero variables) for the first such step
    that proves a variable not yet known zero, or None.  ``steps``:
    table.steps(), if the caller has it for these targets."""
    for R, C, entry, vars_ in table.steps() if steps is None else steps:
        new = {v for v in vars_ if v not in known_zero}
        if new:
            return R, C, entry, new
    return None


MAX_MINOR = 4            # minor steps: k x k minors, k = |H| + 1 <= 4
MAX_MINORS = 2000        # candidate minors per system


def minor_groups(equations: list[Equation], singles: bool = False) -> list[tuple]:
    """The node sets H of minor steps, as the equations see them: the twin
    classes (nodes h with the same set of source -> h edges and h -> sink
    edges among the equations' monomials, at least two of them, fewer than
    both sides); with ``singles``, then every node with at least two rows
    and two columns alone (its 2 x 2 minors, the other nodes' monomials on
    the target's side).  Returns [(H, rows, cols), ...]."""
    sinks = {eq.entry[0] for eq in equations}
    sources = {eq.entry[1] for eq in equations}
    ins: dict = {}
    outs: dict = {}
    for eq in equations:
        for m in eq.monomials:
            for u, v in m:
                if u in sources:
                    ins.setdefault(v, set()).add(u)
                if v in sinks:
                    outs.setdefault(u, set()).add(v)
    classes: dict = {}
    for h in set(ins) & set(outs):
        classes.setdefault((frozenset(ins[h]), frozenset(outs[h])), []).append(h)
    out = []
    ordered = sorted(classes.items(), key=lambda kv: sorted(kv[1]))
    for (cols, rows), H in ordered:
        if 2 <= len(H) < min(len(rows), len(cols)) and len(H) + 1 <= MAX_MINOR:
            out.append((sorted(H), sorted(rows), sorted(cols)))
    if singles:
        for (cols, rows), H in ordered:
            if min(len(rows), len(cols)) >= 2:
                out.extend(([h], sorted(rows), sorted(cols)) for h in sorted(H))
    return out


def FREE(n: int) -> tuple:
    """The variable of a free entry of a minor: shaped like an edge (so that
    monomials sort), on layer -1, which no node has."""
    return ((-1, n), (-1, n))


class MinorTable:
    """The minors a minor step may use on one system (docs/theory.md §4):
    for nodes H and k x k entries R x C (k = |H| + 1), det over R x C of
    (target − the monomials that are not a path source -> h -> sink, h in
    H), a fresh variable on a free entry (no equation).  The structure is
    fixed; targets and known-zero variables vary, so values are cached on
    them (the witness search refutes many targets on one system)."""

    def __init__(self, equations: list[Equation], singles: bool = False):
        by_entry = {eq.entry: eq for eq in equations}
        self.equations = equations
        self.minors = []
        self.minors_at: dict = {}        # entry -> minors with it as a cell
        self.minors_holding: dict = {}   # variable -> minors whose other monomials hold it
        for H, rows, cols in minor_groups(equations, singles):
            Hs = set(H)
            blocks = itertools.product(itertools.combinations(rows, len(H) + 1),
                                       itertools.combinations(cols, len(H) + 1))
            for R, C in itertools.islice(blocks, MAX_MINORS - len(self.minors)):
                cells = []
                for q in R:
                    for p in C:
                        eq = by_entry.get((q, p))
                        others = None if eq is None else [
                            m for m in eq.monomials
                            if not (len(m) == 2 and any(m == {(p, h), (h, q)} for h in Hs))]
                        cells.append((eq, others))
                        if eq is not None:
                            self.minors_at.setdefault(eq.entry, []).append(len(self.minors))
                # Which of these variables are known zero decides which monomials are dead.
                held = frozenset(x for _, others in cells for m in others or () for x in m)
                for x in held:
                    self.minors_holding.setdefault(x, []).append(len(self.minors))
                self.minors.append((H, R, C, cells, held))
        self.cache: dict = {}
        # A minor with only zero targets and no dead monomial has one value
        # whatever the candidate; those whose value may prove something.
        # Where every other monomial of the cells has one size d and no cell
        # is free, the degree k d part of the value is det of the monomials
        # alone, whatever the targets (they only add terms of lower degree):
        # with two or more terms there and no dead monomial, targets cannot
        # make the minor prove anything.
        self.always, self.targeted = [], set()
        for index, (_, _, _, cells, _) in enumerate(self.minors):
            base = self._det(index, frozenset(), True)
            if _may_prove(base):
                self.always.append(index)
            sizes = {len(m) for _, others in cells for m in others or ()}
            graded = len(sizes) == 1 and 0 not in sizes and all(eq is not None for eq, _ in cells)
            if not (graded and len(base[1]) >= 2):
                self.targeted.add(index)

    def _det(self, index: int, killed: frozenset, zero_targets: bool = False) -> tuple:
        cells = self.minors[index][3]
        k = len(self.minors[index][1])
        grid = []
        for n, (eq, others) in enumerate(cells):
            if eq is None:
                grid.append({(FREE(n),): 1})
                continue
            cell = {(): eq.target} if eq.target != 0 and not zero_targets else {}
            for m in others:
                if killed.isdisjoint(m):
                    mono = tuple(sorted(m))
                    cell[mono] = cell.get(mono, 0) - 1
            grid.append(cell)
        return _det_value([grid[i * k:(i + 1) * k] for i in range(k)])

    def indices(self, known_zero) -> list[int]:
        """The minors whose value may prove something now: the others have no
        dead monomial and either no non-zero target in a cell (their common
        value proves nothing) or a top-degree part that proves nothing."""
        out = set(self.always)
        for eq in self.equations:
            if eq.target != 0:
                out.update(i for i in self.minors_at.get(eq.entry, ()) if i in self.targeted)
        for x in known_zero:
            out.update(self.minors_holding.get(x, ()))
        return sorted(out)

    def value(self, index: int, known_zero) -> tuple:
        """(constant term, [variables of each non-constant monomial], known-zero
        variables whose monomials were dropped); a free entry's variable is
        FREE(its position in the block)."""
        cells, held = self.minors[index][3:]
        killed = frozenset(x for x in held if x in known_zero)
        # fmpq's own hash is slow: the targets enter the key as (p, q).
        key = (index, killed, tuple(None if eq is None else (eq.target.p, eq.target.q) for eq, _ in cells))
        if key not in self.cache:
            self.cache[key] = self._det(index, killed)
        constant, live = self.cache[key]
        return constant, live, killed


def _may_prove(value: tuple) -> bool:
    """Whether a minor's (constant, live monomials) can give a step in
    find_minor: a contradiction, or one monomial without a free entry."""
    constant, live = value
    return (constant != 0 and not live) or (len(live) == 1 and not any(x[0][0] == -1 for x in live[0]))


def _det_value(M: list[list[dict]]) -> tuple:
    """(constant, [variable sets of the other monomials]) of det M, entries
    sparse polynomials {sorted tuple of variables (with repeats): coefficient}."""
    k = len(M)
    total: dict = {}
    for perm in itertools.permutations(range(k)):
        sign = -1 if sum(perm[i] > perm[j] for i in range(k) for j in range(i + 1, k)) % 2 else 1
        term = {(): sign}
        for i in range(k):
            cell = M[i][perm[i]]
            if not cell:
                term = {}
                break
            term = {tuple(sorted(a + b)): x * y for a, x in term.items() for b, y in cell.items()}
        for mono, c in term.items():
            total[mono] = total.get(mono, 0) + c
    constant = total.pop((), 0)
    return constant, [frozenset(m) for m, c in total.items() if c != 0]


def find_minor(table: MinorTable, zero: dict, nonzero: dict) -> tuple | None:
    """The first minor step that proves a new fact: (step, new zero variable
    or None, new non-zero variables, steps it uses)."""
    known_zero = zero.keys()
    for index in table.indices(known_zero):
        H, R, C = table.minors[index][:3]
        constant, live, killed = table.value(index, known_zero)
        uses = {zero[x] for x in killed}
        step = {"rule": "minor", "nodes": list(H), "rows": list(R), "cols": list(C)}
        if constant != 0 and not live:
            return dict(step, gives="contradiction"), None, set(), uses
        if not _may_prove((constant, live)):
            continue
        (m,) = live
        if constant != 0:
            if any(x not in nonzero for x in m):
                return dict(step, gives="nonzero"), None, set(m), uses
            continue
        unknown = sorted(x for x in m if x not in nonzero)
        if len(unknown) > 1:
            continue
        var = unknown[0] if unknown else sorted(m)[0]
        uses |= {nonzero[x] for x in m if x != var}
        if var in nonzero:
            uses.add(nonzero[var])
        return dict(step, gives="zero", var=var), var, set(), uses
    return None


def propagate(equations: list[Equation], blocks: "bool | BlockTable" = False,
              minors: "bool | MinorTable" = False) -> list[dict] | None:
    """Run the propagation rules to a fixpoint; on a contradiction return the
    steps it needs, in derivation order, each citing the steps it uses.
    ``blocks`` (True, or a BlockTable of these equations): when the other
    rules are stuck, try a block step; ``minors`` (True, or a MinorTable):
    then a minor step on a twin class (docs/theory.md §4)."""
    zero: dict = {}          # variable -> step that proved it zero
    known_zero = zero.keys()  # a live view: set operations in C
    nonzero: dict = {}
    steps: list[dict] = []
    deps: list[set[int]] = []

    def killers(eq) -> set[int]:
        return {min(zero[x] for x in m if x in zero) for m in eq.monomials if any(x in zero for x in m)}

    def finish(step: dict, used: set[int]) -> list[dict]:
        steps.append(step)
        deps.append(used)
        need, todo = set(), [len(steps) - 1]
        while todo:
            k = todo.pop()
            if k not in need:
                need.add(k)
                todo.extend(deps[k])
        order = sorted(need)
        renumber = {old: new for new, old in enumerate(order)}
        out = []
        for k in order:
            st = dict(steps[k])
            st["uses"] = sorted(renumber[u] for u in deps[k])
            out.append(st)
        return out

    block_steps = None
    changed = True
    while changed:
        changed = False
        for eq in equations:
            live = [m for m in eq.monomials if known_zero.isdisjoint(m)]
            if eq.target != 0:
                if not live:
                    return finish({"entry": eq.entry, "rule": "contradiction"}, killers(eq))
                if len(live) == 1 and any(x not in nonzero for x in live[0]):
                    steps.append({"entry": eq.entry, "rule": "nonzero"})
                    deps.append(killers(eq))
                    for x in live[0]:
                        nonzero.setdefault(x, len(steps) - 1)
                    changed = True
            elif len(live) == 1:
                unknown = sorted(x for x in live[0] if x not in nonzero)
                if len(unknown) > 1:
                    continue
                var = unknown[0] if unknown else sorted(live[0])[0]
                used = killers(eq) | {nonzero[x] for x in live[0] if x != var}
                step = {"entry": eq.entry, "rule": "zero", "var": var}
                if var in nonzero:
                    return finish(step, used | {nonzero[var]})
                steps.append(step)
                deps.append(used)
                zero[var] = len(steps) - 1
                changed = True
        if not changed and blocks:
            if not isinstance(blocks, BlockTable):
                blocks = BlockTable(equations)
            if block_steps is None:         # the targets are fixed during one call
                block_steps = blocks.steps()
            found = find_block(blocks, known_zero, block_steps)
            if found is not None:
                R, C, entry, new = found
                steps.append({"entry": entry, "rule": "block", "rows": R, "cols": C})
                deps.append(set())
                for var in new:
                    zero[var] = len(steps) - 1
                changed = True
        if not changed and minors:
            if not isinstance(minors, MinorTable):    # built when first needed
                minors = MinorTable(equations)
            found = find_minor(minors, zero, nonzero)
            if found is not None:
                step, var, new_nonzero, used = found
                if step["gives"] == "contradiction" or (var is not None and var in nonzero):
                    return finish(step, used)
                steps.append(step)
                deps.append(used)
                if var is not None:
                    zero[var] = len(steps) - 1
                for x in new_nonzero:
                    nonzero.setdefault(x, len(steps) - 1)
                changed = True
    return None


# ---------------------------------------------------------------------------
# Nullstellensatz refutations: cofactors g_e with sum_e g_e (phi_e - A_e) = 1
# ---------------------------------------------------------------------------

@dataclass
class Nullstellensatz:
    variables: list                  # edges, in the order of the exponent vectors
    cofactors: list                  # [(entry, {((variable, power), ...): fmpq}), ...] (non-zero ones)
    degree: int

    def to_json(self) -> dict:
        """The certificate's refutation object (docs/certificate-format.md)."""
        return {"method": "nullstellensatz", "degree": self.degree, "variables": self.variables,
                "cofactors": [{"entry": entry,
                               "terms": [[[[k, p] for k, p in e], c] for e, c in sorted(g.items())]}
                              for entry, g in self.cofactors]}


def _monomials(n: int, degree: int):
    """Sparse monomials ((variable, power), ...) of total degree <= degree."""
    from itertools import combinations_with_replacement
    for d in range(degree + 1):
        for combo in combinations_with_replacement(range(n), d):
            powers: dict = {}
            for i in combo:
                powers[i] = powers.get(i, 0) + 1
            yield tuple(sorted(powers.items()))


def _times(a: tuple, b: tuple) -> tuple:
    powers = dict(a)
    for i, p in b:
        powers[i] = powers.get(i, 0) + p
    return tuple(sorted(powers.items()))


def _subtract(dst: dict, c, src: dict) -> None:
    """dst -= c * src, dropping zeros (sparse vectors as dicts)."""
    for k, v in src.items():
        x = dst.get(k, 0) - c * v
        if x == 0:
            dst.pop(k, None)
        else:
            dst[k] = x


def polynomial_parts(equations: list[Equation]) -> tuple[list, list[dict]]:
    """(variables, [path-sum polynomial of each equation]) for nullstellensatz:
    they depend on the monomials only, so a caller refuting many targets on
    one system computes them once."""
    from flint import fmpq
    variables = sorted({x for eq in equations for m in eq.monomials for x in m})
    index = {v: i for i, v in enumerate(variables)}
    parts = []
    for eq in equations:
        f: dict = {}
        for m in eq.monomials:
            key = tuple(sorted((index[x], 1) for x in m))
            f[key] = f.get(key, fmpq(0)) + 1
        parts.append(f)
    return variables, parts


def nullstellensatz(equations: list[Equation], max_degree: int = 2, max_unknowns: int = 4000,
                    deadline: float | None = None, parts: tuple | None = None) -> Nullstellensatz | None:
    """Search cofactors of total degree 0, 1, ..., max_degree by exact sparse
    elimination over Q; None when none exists within the bounds (the system
    may still have no solution).  ``parts``: polynomial_parts(equations), if
    the caller has it already."""
    from flint import fmpq
    variables, parts = parts if parts is not None else polynomial_parts(equations)
    n = len(variables)
    zero = ()                       # monomials are sparse: ((variable, power), ...)
    polys = []
    for eq, part in zip(equations, parts):
        f = dict(part)
        f[zero] = f.get(zero, fmpq(0)) - eq.target
        polys.append({k: v for k, v in f.items() if v != 0})
    found = _search(polys, n, max_degree, max_unknowns, deadline)
    if found is None:
        return None
    degree, cof = found
    cofactors = [(equations[e].entry, g) for e, g in sorted(cof.items()) if g]
    return Nullstellensatz(variables, cofactors, degree)


def nullstellensatz_polys(polys: list[dict], n: int, max_degree: int = 2,
                          max_unknowns: int = 4000) -> list | None:
    """The same search for arbitrary polynomials given as {exponent tuple
    (length n): coefficient}; returns [(index, {exponent tuple: cofactor
    coefficient}), ...] with sum_i g_i f_i = 1, or None."""
    from flint import fmpq
    sparse = [{tuple((k, p) for k, p in enumerate(e) if p): fmpq(c) for e, c in f.items() if c != 0}
              for f in polys]
    found = _search(sparse, n, max_degree, max_unknowns, None)
    if found is None:
        return None
    out = []
    for i, g in sorted(found[1].items()):
        dense = {}
        for m, c in g.items():
            e = [0] * n
            for k, p in m:
                e[k] = p
            dense[tuple(e)] = c
        out.append((i, dense))
    return out


def _search(polys: list[dict], n: int, max_degree: int, max_unknowns: int, deadline):
    """Cofactors of degree 0..max_degree for sparse polynomials (monomials
    ((variable, power), ...)): (degree, {poly index: {monomial: coef}}) or None."""
    import math
    import time

    from flint import fmpq
    zero = ()
    for degree in range(max_degree + 1):
        # Count the unknowns before building anything.
        if math.comb(n + degree, degree) * len(polys) > max_unknowns:
            return None
        mons = list(_monomials(n, degree))
        basis: dict = {}             # pivot -> (poly, tag); the pivot is the poly's largest monomial

        def reduce(p: dict, tag: dict) -> None:
            while True:
                cands = [m for m in p if m in basis]
                if not cands:
                    return
                top = max(cands)
                c = p[top]
                bp, bt = basis[top]
                _subtract(p, c, bp)
                _subtract(tag, c, bt)
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError

        try:
            for e, f in enumerate(polys):
                for m in mons:
                    # Monomials are sorted (variable, power) tuples, one entry per
                    # variable, so multiplying by 1 (m = ()) leaves them as they are.
                    p = dict(f) if not m else {_times(k, m): v for k, v in f.items()}
                    tag = {(e, m): fmpq(1)}
                    reduce(p, tag)
                    if p:
                        top = max(p)
                        c = p[top]
                        basis[top] = ({k: v / c for k, v in p.items()}, {k: v / c for k, v in tag.items()})
            target, comb = {zero: fmpq(1)}, {}
            reduce(target, comb)
        except TimeoutError:
            return None
        if not target:
            # 1 - sum c_i b_i = 0 was reached by subtracting, so comb holds -c_i.
            cof: dict = {}
            for (e, m), v in comb.items():
                cof.setdefault(e, {})[m] = -v
            return degree, cof
    return None

