"""``certify explain CERT``: the proof a certificate carries, in words.

Reads the certificate JSON only (no engine); it is a reading aid, not part of
the trusted checker: the last line is the independent checker's verdict,
which is what proves the claim.  The file is first handed to the checker
(whose bounds keep hostile input small); anything it cannot explain is a
clear error, exit 2.  Field meanings: docs/certificate-format.md; rules and
proofs: docs/theory.md.
"""

from __future__ import annotations

import json
import os
import sys

MAX_REJECTED_BYTES = 16 << 20

CLAIM_TEXT = {
    "closed": "the set of products W_L...W_1 with these masks is closed",
    "not_closed": "the set of products W_L...W_1 with these masks is not closed",
    "unknown": "no verdict (a reduction report only)",
    "optimum_exists": "every least-squares training problem of the sparse ReLU network has a minimizer",
    "no_optimum": "some training set has no least-squares minimizer for the sparse ReLU network",
    "member": "the given matrix is a product W_L...W_1 with these masks",
    "not_member": "the given matrix is not a product W_L...W_1 with these masks",
}

WITNESS_TEXT = {
    "W1": "an exclusive P4 of one rank-one node (theory.md §4 W1)",
    "W2": "a two-node mechanism (theory.md §4 W2)",
    "W3": "a first-order cancellation at one entry (theory.md §4 W3)",
    "W4": "a first-order cancellation at one entry over constant terms of other nodes (theory.md §4 W4)",
    "routed": "fixing all layers but two to 0/1 matchings exposes a two-factor witness "
              "(theory.md §4 Routing)",
}

COMPONENT_TEXT = {
    "C1": "C1: one rank-one node whose observed pattern is a disjoint union of complete blocks (theory.md §3 C1)",
    "C2": "C2: rank-one nodes with pairwise disjoint observed patterns, each made of complete blocks "
          "(theory.md §3 C2)",
    "C5": "C5: two rank-one nodes on the same rows with nested columns, or the converse (theory.md §3 C5)",
    "C4": "C4: rank-one nodes whose linear fibres M(κ) have the same rank for every direction κ; "
          "the kernel bounds the rank above, one Nullstellensatz identity per chart bounds it below "
          "(theory.md §3 C4)",
    "C6": "C6: for one direction the fibre M(κ) is onto the observed entries, so the set is everything "
          "(theory.md §3 C6)",
    "C7": "C7: a decision tree on which observed entries are zero gives, in every case, factors as Laurent "
          "polynomials in the entries, so the set is every matrix on them (theory.md §3 C7)",
    "C8": "C8: the listed 2 x 2 minors, each of entries one rank-one node alone covers, vanish on the set; a "
          "decision tree (with entries solved from minors) gives factors of every matrix where they vanish, so "
          "the set is their common zero set (theory.md §3 C8)",
}


class Unexplainable(Exception):
    pass


class Writer:
    def __init__(self, max_items: int):
        self.lines: list[str] = []
        self.max_items = max_items

    def __call__(self, text: str = "", depth: int = 0) -> None:
        self.lines.append("  " * depth + text)

    def some(self, items: list) -> tuple[list, str]:
        """At most max_items of a list, and a note on the rest."""
        if self.max_items and len(items) > self.max_items:
            return items[:self.max_items], f" ... and {len(items) - self.max_items} more"
        return items, ""


# ---------------------------------------------------------------------------
# Small pieces
# ---------------------------------------------------------------------------

def laurent_text(terms, var: str = "t") -> str:
    parts = []
    for e, c in sorted(terms):
        mono = "" if e == 0 else (var if e == 1 else f"{var}^{e}")
        if not mono:
            parts.append(c)
        elif c in ("1", "-1"):
            parts.append(("-" if c == "-1" else "") + mono)
        else:
            parts.append(f"{c}*{mono}")
    return " + ".join(parts).replace("+ -", "- ") or "0"


def matrix_lines(obj: dict, name: str, w: Writer, depth: int) -> None:
    m, n = obj["shape"]
    entries = obj["nonzeros"]
    if m * n <= 144:
        cells = [["0"] * n for _ in range(m)]
        for i, j, v in entries:
            cells[i][j] = v
        width = max(len(c) for r in cells for c in r)
        w(f"{name} ({m}x{n}; rows = outputs, columns = inputs):", depth)
        for r in cells:
            w("[" + " ".join(c.rjust(width) for c in r) + "]", depth + 1)
    else:
        shown, more = w.some(entries)
        w(f"{name} ({m}x{n}): non-zero entries " + ", ".join(f"[{i},{j}] = {v}" for i, j, v in shown)
          + more + "; all others 0", depth)


def layer_lines(layers: list, what: str, var: str, w: Writer, depth: int, rational: bool = False) -> None:
    for l, entries in enumerate(layers, start=1):
        shown, more = w.some(entries)
        cells = [f"({i},{j}) = {v if rational else laurent_text(v, var)}" for i, j, v in shown]
        w(f"{what}_{l}: " + ("; ".join(cells) if cells else "zero") + more, depth)


class Graph:
    """The stated reduced core, to name monomials (paths) in refutation steps."""

    def __init__(self, core: dict, depth: int, name: str = "A"):
        self.name = name
        self.succ: dict = {}
        for u, v in core["edges"]:
            self.succ.setdefault(u, []).append(v)
        self.depth = depth

    def paths(self, source: str, sink: str, cap: int = 50) -> list[list]:
        out = []

        def walk(v, acc):
            if len(out) >= cap:
                return
            if v == sink:
                out.append(acc)
                return
            for x in sorted(self.succ.get(v, [])):
                walk(x, acc + [(v, x)])

        walk(source, [])
        return out

    def entry(self, pair) -> str:
        """[sink, source] -> "A[output,input]" (after R7 the sink may be an input)."""
        a, b = pair
        out, inp = (a, b) if a.split(":")[0] == str(self.depth) else (b, a)
        return f"{self.name}[{out.split(':')[1]},{inp.split(':')[1]}] (sink {a}, source {b})"


def edge(e) -> str:
    return f"{e[0]}->{e[1]}"


def monomial(path) -> str:
    return "*".join(f"w({edge(e)})" for e in path) or "1"


# ---------------------------------------------------------------------------
# Reductions and refutations
# ---------------------------------------------------------------------------

def reduction_lines(red: dict, w: Writer, depth: int) -> None:
    steps = red["steps"]
    w(f"Exact reductions ({len(steps)} step{'' if len(steps) == 1 else 's'}, theory.md §2; the checker replays each and compares "
      "the result with the stated core):", depth)
    shown, more = w.some(steps)
    for k, s in enumerate(shown):
        rule = s["rule"]
        if rule == "R1":
            text = f"delete dead hidden node(s) {', '.join(s['nodes'])} (on no input-output path)"
        elif rule == "R5":
            text = (f"direct edge(s) {', '.join(map(edge, s['edges']))} become free entries "
                    "(don't-care: any value is reached)")
        elif rule == "R5-drop":
            text = (f"drop wholly free sink(s) {', '.join(s['sinks']) or '-'} and source(s) "
                    f"{', '.join(s['sources']) or '-'}")
        elif rule == "R2":
            one = "in-edge" if s["side"] == "in" else "out-edge"
            text = f"hidden node {s['node']} has a single {one}: replace it by direct edges"
        elif rule == "R4":
            text = (f"twin hidden nodes {', '.join(s['nodes'])} (same inputs and outputs) fill their "
                    "block: replace them by direct edges")
        elif rule == "R7":
            text = "transpose the state"
        elif rule == "R6":
            comps = s["components"]
            text = f"{len(comps)} connected component(s) with hidden nodes remain" + (": " + "; ".join(
                f"#{n} = {{{', '.join(c)}}}" for n, c in enumerate(comps)) if comps else "")
        else:
            text = "(unknown step)"
        if s.get("parallel"):
            text += f"; merging with existing edge(s) {', '.join(map(edge, s['parallel']))} (R3)"
        w(f"{k}. {rule}: {text}", depth + 1)
    if more:
        w(more.strip(), depth + 1)
    core = red["core"]
    w(f"Reduced core: {len(core['sources'])} source(s), {len(core['sinks'])} sink(s), hidden "
      f"{{{', '.join(core['hidden'])}}}, {len(core['edges'])} edge(s), free entries "
      f"{{{', '.join(f'[{a}, {b}]' for a, b in core['dont_care'])}}}.", depth)


def refutation_lines(ref: dict, red: dict, component, target_name: str, w: Writer, depth: int,
                     L: int) -> None:
    g = Graph(red["core"], L, target_name)
    where = "the whole reduced state" if component is None else f"reduced component #{component}"
    w(f"Refutation on {where}: its equations are 'sum over paths source->sink of the product of "
      f"the edge weights = {target_name} entry'; they have no solution (theory.md §4, "
      "'Why refuting the reduced image suffices'):", depth)
    if ref["method"] == "nullstellensatz":
        vs = ref["variables"]
        shown, more = w.some(vs)
        w(f"Nullstellensatz (degree {ref.get('degree', '?')}): polynomials g_e with "
          "sum_e g_e * (phi_e - A_e) = 1, so no common zero, even over C. Variables: "
          + ", ".join(f"x{k} = w({edge(v)})" for k, v in enumerate(shown)) + more, depth + 1)
        items, more = w.some(ref["cofactors"])
        for c in items:
            terms = [("*".join(f"x{k}" + (f"^{p}" if p > 1 else "") for k, p in mono) or "1", coef)
                     for mono, coef in c["terms"]]
            poly = " + ".join(coef if m == "1" else m if coef == "1" else "-" + m if coef == "-1"
                              else f"{coef}*{m}" for m, coef in terms).replace("+ -", "- ")
            w(f"g for {g.entry(c['entry'])} = {poly or '0'}", depth + 1)
        if more:
            w(more.strip(), depth + 1)
        w("The checker expands the sum exactly and requires it to equal 1.", depth + 1)
        return
    w("Propagation: known-zero and known-non-zero weights, each step using only the facts of the "
      "steps it cites; a monomial is live if none of its weights is known zero.", depth + 1)
    steps, more = w.some(ref["steps"])
    for n, s in enumerate(steps):
        cite = f" (uses step {', '.join(map(str, s['uses']))})" if s["uses"] else ""
        if s["rule"] == "minor":
            w(f"step {n} [minor, {s['gives']}]{cite}: {_minor_text(s, edge, n == len(ref['steps']) - 1)}",
              depth + 1)
            continue
        at = g.entry(s["entry"])
        sink, source = s["entry"]
        if s["rule"] == "nonzero":
            text = (f"{at} is non-zero and has a single live monomial, so its weights are all non-zero")
        elif s["rule"] == "zero":
            text = (f"{at} is 0 and has a single live monomial; its other weights are non-zero, so "
                    f"w({edge(s['var'])}) = 0")
            if n == len(ref["steps"]) - 1:
                text += ", but that weight is known non-zero: contradiction"
        elif s["rule"] == "contradiction":
            text = f"{at} is non-zero but no live monomial is left: contradiction"
        elif s["rule"] == "block":
            text = (f"the target on outputs {{{', '.join(s['rows'])}}} x inputs {{{', '.join(s['cols'])}}} "
                    f"is non-singular and sums as many rank-one terms, so their factors there are "
                    f"independent; the line through {at} is 0 there, so its factors of those terms are 0")
        else:
            text = "(unknown step)"
        w(f"step {n} [{s['rule']}]{cite}: {text}", depth + 1)
        paths, extra = w.some(g.paths(source, sink))
        if paths:
            w("monomials: " + " + ".join(monomial(p) for p in paths) + extra, depth + 3)
    if more:
        w(more.strip(), depth + 1)


def _minor_text(s: dict, edge, last: bool) -> str:
    """A minor step in words (docs/theory.md §4)."""
    k = len(s["rows"])
    head = (f"the {k - 1} nodes {', '.join(map(str, s['nodes']))} add a matrix of rank at most {k - 1} on "
            f"outputs {{{', '.join(map(str, s['rows']))}}} x inputs {{{', '.join(map(str, s['cols']))}}}, so "
            f"the determinant of the target minus the other monomials there is 0 (a free entry counts as "
            f"an unknown); with the known-zero weights set to 0 it ")
    if s["gives"] == "contradiction":
        return head + "is a non-zero constant: contradiction"
    if s["gives"] == "nonzero":
        return head + "is a non-zero constant plus one monomial, so that monomial's weights are non-zero"
    return (head + f"is one monomial whose other weights are non-zero, so w({edge(s['var'])}) = 0"
            + (", but that weight is known non-zero: contradiction" if last else ""))


# ---------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------

def closed_lines(proof: dict, a: int, b: int, w: Writer, depth: int) -> None:
    rule = proof["rule"]
    span = f"masks {a}..{b}" if a != b else f"mask {a}"
    if rule == "layer":
        w(f"{span} [layer]: a single mask; its products are a coordinate subspace, closed "
          "(theory.md §3 C0)", depth)
    elif rule == "C3":
        s = proof["split"]
        w(f"{span} [C3]: split at level {a + s - 1} (after mask {a + s - 1}): its twin classes have pairwise "
          "disjoint rectangles (outputs reached x inputs reaching), so the set is closed if both "
          "sides are (theory.md §3 C3)", depth)
        closed_lines(proof["left"], a + s, b, w, depth + 1)
        closed_lines(proof["right"], a, a + s - 1, w, depth + 1)
    elif rule == "components":
        parts, more = w.some(proof["parts"])
        w(f"{span} [components]: {len(proof['parts'])} connected components, each closed "
          "(theory.md §3 'Components of a chain')", depth)
        for p in parts:
            nodes, extra = w.some(p["nodes"])
            w(f"component {{{', '.join(nodes)}{extra}}}:", depth + 1)
            closed_lines(p["proof"], a, b, w, depth + 2)
        if more:
            w(more.strip(), depth + 1)
    elif rule == "reduce":
        w(f"{span} [reduce]: after exact reductions every component with a hidden node is closed "
          "(theory.md §3 'Reduce')", depth)
        reduction_lines(proof, w, depth + 1)
        comps = proof["steps"][-1]["components"]
        for n, (c, r) in enumerate(zip(comps, proof["components"])):
            w(f"component #{n}: {COMPONENT_TEXT.get(r['rule'], r['rule'])}", depth + 1)
        if not proof["components"]:
            w("no hidden node is left (C0)", depth + 1)
    else:
        raise Unexplainable(f"unknown closedness rule {str(rule)[:40]!r}")


def witness_lines(proof: dict, L: int, w: Writer, depth: int) -> None:
    rule = proof["rule"]
    w(f"Witness rule {rule}: {WITNESS_TEXT.get(rule, rule)}.", depth)
    info = proof.get("witness")
    if isinstance(info, dict) and info:
        w("How the curve was found (for the reader; not checked): "
          + ", ".join(f"{k} = {json.dumps(v)}" for k, v in info.items()), depth)
    w("1. The curve: weights W_l(t) on the masks (non-zero entries, Laurent polynomials in t):", depth)
    layer_lines(proof["curve"], "W", "t", w, depth + 1)
    w("2. The limit as t -> 0+ of W_L(t)...W_1(t); the checker multiplies the curve out exactly, "
      "checks that no negative power of t survives and that the constant term is:", depth)
    matrix_lines(proof["limit"], "A", w, depth + 1)
    w("Each product W_L(t)...W_1(t) is in the set, so A is in its closure.", depth + 1)
    w("3. A is not itself a product with these masks:", depth)
    reduction_lines(proof["reduction"], w, depth + 1)
    refutation_lines(proof["refutation"], proof["reduction"], proof["component"], "A", w, depth + 1, L)
    w("Hence A is in the closure but not in the set: the set is not closed.", depth)


def no_optimum_lines(proof: dict, cert: dict, w: Writer, depth: int) -> None:
    cols = proof["columns"]
    d = len(cols)
    layers = [[tuple(p) for p in m["nonzeros"]] for m in cert["support"]["layers"]]
    reach, counts = set(cols), []
    for l in range(len(layers) - 1):
        reach = {i for i, j in layers[l] if j in reach}
        counts.append(len(reach))
    bound = d
    for n in counts:
        bound *= 1 + d * n
    w(f"Rule training-set. Input columns C' = {cols} (d' = {d}); the restricted masks I|C' (first mask keeps these "
      "columns) are not closed (theory.md §6):", depth)
    witness_lines(proof["linear"], len(layers), w, depth + 1)
    w(f"Training set: {len(proof['t'])} points x(t) = ({', '.join(f't^{k + 1}' if k else 't' for k in range(d))}) on "
      f"the columns C' at t = {', '.join(proof['t'][:5])}{', ...' if len(proof['t']) > 5 else ''}; "
      f"needed: d' * prod(1 + d' * N'_l) + 1 = {bound + 1} with N'_l = {counts} (hidden units reachable "
      "from C'); targets y = A' x(t):", depth)
    for t, y in list(zip(proof["t"], proof["targets"]))[:3]:
        w(f"t = {t}: y = [{', '.join(y)}]", depth + 1)
    w("Parameters θ(ε) (Laurent polynomials in ε): along them every hidden unit is active (positive "
      "lowest-order pre-activation) and the outputs tend to the targets, so the loss tends to 0; "
      "yet no parameters reach loss 0 (theory.md §6). The checker runs the network exactly at every "
      "data point.", depth)
    layer_lines(proof["theta"]["weights"], "W", "ε", w, depth + 1)
    for l, b in enumerate(proof["theta"]["biases"], start=1):
        shown, more = w.some(b)
        w(f"b_{l} = [{', '.join(laurent_text(x, 'ε') for x in shown)}{more}]", depth + 1)


def explain(cert: dict, max_items: int = 12) -> list[str]:
    """The explanation's lines; raises Unexplainable (or KeyError, TypeError,
    ...) on a certificate it cannot read."""
    w = Writer(max_items)
    claim = cert["claim"]
    if claim not in CLAIM_TEXT:
        raise Unexplainable(f"unknown claim {str(claim)[:40]!r}")
    layers = cert["support"]["layers"]
    L = len(layers)
    widths = [layers[0]["shape"][1]] + [m["shape"][0] for m in layers]
    nz = sum(len(m["nonzeros"]) for m in layers)
    w(f"claim: {claim.replace('_', ' ')}: {CLAIM_TEXT[claim]}")
    w(f"support: {L} mask(s), widths {'-'.join(map(str, widths))} (input side first), {nz} non-zeros, "
      f"SHA-256 {str(cert['support_sha256'])[:16]}...")
    proof = cert["proof"]
    w()
    if claim == "closed":
        w("Proof tree (each node proves that the products of a range of masks form a closed set):")
        closed_lines(proof, 1, L, w, 1)
    elif claim == "not_closed":
        witness_lines(proof, L, w, 0)
    elif claim == "unknown":
        w("No verdict: nothing is claimed beyond the reduction (no rule of this version decides the core).")
        reduction_lines(proof, w, 0)
    elif claim == "optimum_exists":
        w({"no-hidden-layer": "Rule no-hidden-layer: one mask, so the network is affine; its values "
                              "form a subspace, closed (theory.md §7).",
           "one-hidden-layer": "Rule one-hidden-layer: two masks, and every hidden unit feeds at "
                               "most one output; the values form a finite union of closed polyhedral "
                               "cones (theory.md §7)."}.get(proof["rule"], f"rule {proof['rule']}"))
    elif claim == "no_optimum":
        no_optimum_lines(proof, cert, w, 0)
    elif claim == "member":
        matrix_lines(proof["matrix"], "M", w, 0)
        w("Factors (exact rationals on the masks); the checker multiplies them out and compares with M "
          "(theory.md §5a):")
        layer_lines(proof["factors"], "W", "", w, 1, rational=True)
    elif claim == "not_member":
        matrix_lines(proof["matrix"], "M", w, 0)
        reduction_lines(proof["reduction"], w, 0)
        refutation_lines(proof["refutation"], proof["reduction"], proof["component"], "M", w, 0, L)
    return w.lines


def shown(text: str) -> str:
    """A line as printed: control characters from a (possibly hostile) file
    or file name escaped, so they cannot move the cursor or split lines."""
    return text if text.isprintable() else "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def explain_file(path: str, max_items: int = 12) -> int:
    """Print the explanation and the checker's verdict.  Exit 0 accepted,
    1 rejected (the explanation then describes an invalid proof), 2 unreadable."""
    from .checker import Malformed, check_file
    from .errors import InputError
    if max_items < 0:
        raise InputError("--max-items must not be negative")
    try:
        verdict = check_file(path)
    except Malformed as e:
        raise InputError(f"cannot explain {path}: {e}") from None
    try:
        # A rejected file may be hostile: read it only if it is of a sane size.
        if not verdict.accepted and os.path.getsize(path) > MAX_REJECTED_BYTES:
            raise Unexplainable(f"rejected by the checker ({verdict.message[:80]}) and too large to explain")
        with open(path, "r", encoding="utf-8") as fh:
            cert = json.load(fh)
        lines = explain(cert, max_items)
    except Unexplainable as e:
        raise InputError(f"cannot explain {path}: {e}") from None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as e:
        raise InputError(f"cannot explain {path}: the proof is malformed ({type(e).__name__}: "
                         f"{str(e)[:80]})") from None
    print(f"certificate: {shown(path)}")
    print("\n".join(map(shown, lines)))
    print()
    if verdict.accepted:
        print(f"independent checker: accepted ({shown(verdict.message)})")
        return 0
    print(f"independent checker: REJECTED: {shown(verdict.message)}")
    print("(the text above describes what the file claims; it is not a proof)")
    sys.stdout.flush()
    return 1
