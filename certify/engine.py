"""``decide``: closed / not closed / unknown for the linear product set
``L_I`` of a support, with a certificate the independent checker accepts.

Order of work: a C3 proof alone (cheap on large structured supports); then
reduce the whole chain (R1-R6), and a witness in a reduced component (W1, W2,
W3, or routing for deep ones) settles "not closed"; otherwise look for a
closedness proof (C3 splits, components, C1/C2/C5/C6/C4 after reductions);
otherwise "unknown" with the reduced core.  Every certificate is replayed by ``certify.checker`` before
a verdict is reported.
"""

from __future__ import annotations

import functools
import gc
from collections import Counter
from dataclasses import dataclass

from . import certificate as cert
from .chains import Chain
from .reductions import Reduction, State, reduce
from .routing import find_routed
from .rules import COMPONENT_RULE_TEXT, ClosedProver, component_proof
from .support import Support
from .witnesses import Witness, find_witness


@dataclass
class Decision:
    verdict: str                       # "closed" | "not_closed" | "unknown"
    rules: list[str]
    explanation: str
    certificate: dict | None = None    # JSON-ready; None only for "unknown"
    limit: dict | None = None          # the witness limit (sparse form), for "not_closed"
    core: dict | None = None           # the reduced core, for "unknown"
    internal_error: str | None = None
    text: str | None = None            # the certificate as written (set by the self-check)
    witness: Witness | None = None     # for "not_closed": curve and limit as exact objects

    @property
    def decided(self) -> bool:
        return self.verdict in ("closed", "not_closed")


def _rules_in(proof: dict) -> list[str]:
    """Rule names used in a proof tree, in first-use order."""
    names: list[str] = []

    def walk(p):
        if isinstance(p, dict):
            if "rule" in p and isinstance(p["rule"], str) and p["rule"] not in names:
                names.append(p["rule"])
            for v in p.values():
                walk(v)
        elif isinstance(p, list):
            for v in p:
                walk(v)

    walk(proof)
    return [n for n in names if n not in ("nonzero", "zero", "contradiction")]


def _step_counts(steps: list[dict]) -> str:
    c = Counter(s["rule"] for s in steps if s["rule"] != "R6")
    if not c:
        return "no reduction applies"
    return ", ".join(f"{r} x{n}" for r, n in sorted(c.items()))


def _explain_closed(proof: dict) -> str:
    c = Counter()

    def walk(p):
        c[p["rule"]] += 1
        if p["rule"] == "C3":
            walk(p["left"])
            walk(p["right"])
        elif p["rule"] == "components":
            for part in p["parts"]:
                walk(part["proof"])
        elif p["rule"] == "reduce":
            for comp in p["components"]:
                c[comp["rule"]] += 1

    walk(proof)
    rule = proof["rule"]
    if rule == "layer":
        head = "a single mask: its product set is a coordinate subspace (C0)"
    elif rule == "C3":
        head = (f"rule C3 splits the chain after layer {proof['split']}: the twin classes of that layer "
                "have pairwise disjoint rectangles and both sides have closed product sets")
    elif rule == "components":
        head = f"the chain splits into {len(proof['parts'])} connected components (R6), each closed"
    else:
        n = len(proof["components"])
        kinds = "; ".join(sorted({f"{COMPONENT_RULE_TEXT[c['rule']]} ({c['rule']})" for c in proof["components"]}))
        head = (f"exact reductions ({_step_counts(proof['steps'])}) leave {n} component(s) with hidden "
                f"nodes, each closed: {kinds}" if n else
                f"exact reductions ({_step_counts(proof['steps'])}) leave no hidden node (C0)")
    tree = ", ".join(f"{r} x{n}" for r, n in sorted(c.items()))
    return f"closed: {head}. Proof tree: {tree}."


def _explain_witness(w: Witness, reduction: Reduction) -> str:
    ref = w.local.refutation
    how = (f"propagation refutation, {len(ref['steps'])} steps" if ref["method"] == "propagation"
           else f"Nullstellensatz refutation of degree {ref['degree']}")
    return (f"not closed: {w.local.text}; after exact reductions ({_step_counts(reduction.steps)}). "
            f"Along the curve in the certificate the products tend to the limit A below as "
            f"t -> 0+, and A is not a product with these masks ({how}).")


def _describe_component(state: State, comp) -> str:
    hidden = [v for v in comp if state.is_hidden(v)]
    outs = [v for v in comp if v in state.sinks]
    ins = [v for v in comp if v in state.sources]
    kind = ("every hidden unit reads inputs and feeds outputs directly, their patterns overlap, "
            "and no witness rule matches") if state.two_factor(comp) \
        else "hidden units feed other hidden units (a deep core), and no split or routing decides it"
    text = f"{len(hidden)} hidden unit(s) on {len(outs)} output(s) x {len(ins)} input(s): {kind}"
    if len(hidden) <= 6:
        g = state.graph
        name = lambda v: cert.node(v)   # noqa: E731
        units = "; ".join(f"unit {name(h)} reads {{{', '.join(map(name, sorted(g.predecessors(h))))}}} "
                          f"and feeds {{{', '.join(map(name, sorted(g.successors(h))))}}}" for h in hidden)
        free = sorted((q, p) for q, p in state.dont_care if q in comp and p in comp)
        text += f" ({units}" + (f"; free entries {', '.join(f'{name(q)}<-{name(p)}' for q, p in free)}"
                                if free else "") + ")"
    return text


def _quiet(stage: str) -> None:
    pass


def without_gc(fn):
    """Run ``fn`` with the cyclic garbage collector paused.  A large support
    allocates millions of (acyclic) lists, tuples and dicts, and the
    collector's repeated passes over them cost up to half the run time;
    reference counting still frees them, and the collector resumes after."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        paused = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if paused:
                gc.enable()
    return run


@without_gc
def decide(support: Support, *, self_check: bool = True, progress=_quiet, rules: str = "all") -> Decision:
    """``rules="core"`` keeps to the first rule set (W1; C0-C3), the baseline
    the exhaustive study compares against; ``"all"`` adds W2-W4, routing,
    C4-C8, and last, when no closedness proof is found, the witness search
    with minor steps on twin classes and single nodes; ``"routed"`` is ``"all"`` without that
    last search (routing decides many small chains)."""
    chain = Chain.from_support(support)
    # Structured closed chains (dense, butterfly, Monarch, block-diagonal)
    # usually fall to C3 alone, which is cheap even on large supports; try
    # that before building the graph for reductions.
    progress("looking for a C3 proof")
    proof = ClosedProver(use_reductions=False).prove(chain)
    if proof is not None:
        c = cert.build(support, "closed", proof)
        return _finish(Decision("closed", _rules_in(proof), _explain_closed(proof), c), self_check,
                       progress)

    base = "all" if rules == "routed" else rules      # the rule set of everything but the last search
    original = State.from_chain(chain)
    progress("reducing (R1-R6)")
    reduction = reduce(original) if support.depth > 1 else None

    if reduction is not None:
        progress("looking for a witness (W1, W2, W3, W4)")
        witness = find_witness(support, original, reduction, base)
        if witness is None and base == "all":
            progress("routing deep components")
            witness = find_routed(support, reduction)
        if witness is not None:
            return _not_closed(support, reduction, witness, self_check, progress)

    progress("looking for a closedness proof (C3, components, reductions + C1/C2/C5/C6/C4)")
    proof = ClosedProver(reduction, chain, rules=base).prove(chain)
    if proof is not None:
        c = cert.build(support, "closed", proof)
        return _finish(Decision("closed", _rules_in(proof), _explain_closed(proof), c), self_check,
                       progress)

    if reduction is not None and rules == "all":
        # Last, as it is the costliest search and a closed support never needs it.
        progress("looking for a witness with minor steps (twin classes, single nodes)")
        witness = find_witness(support, original, reduction, "minors")
        if witness is not None:
            return _not_closed(support, reduction, witness, self_check, progress)

    state = reduction.final
    open_parts = [f"component {k}: {_describe_component(state, comp)}"
                  for k, comp in enumerate(reduction.components)
                  if component_proof(state, comp, base) is None]
    text = (f"unknown: no rule of this version decides it (rules: docs/theory.md). Exact reductions "
            f"({_step_counts(reduction.steps)}) leave {len(reduction.components)} component(s); "
            f"undecided: " + "; ".join(open_parts) + ".")
    report = cert.build(support, "unknown", {"rule": "reduce", "steps": reduction.steps,
                                              "core": state.core()})
    return _finish(Decision("unknown", _rules_in({"steps": reduction.steps}), text, report,
                            core=report["proof"]["core"]), self_check, progress)


def _not_closed(support: Support, reduction, witness: Witness, self_check: bool, progress) -> Decision:
    proof = {
        "rule": witness.rule,
        "reduction": {"steps": reduction.steps, "core": reduction.final.core()},
        "component": witness.component,
        "witness": witness.local.info,
        "curve": cert.curve(witness.layers),
        "limit": cert.sparse_matrix((support.widths[-1], support.widths[0]), witness.limit),
        "refutation": witness.local.refutation,
    }
    c = cert.build(support, "not_closed", proof)
    return _finish(Decision("not_closed", _rules_in(proof), _explain_witness(witness, reduction), c,
                            limit=proof["limit"], witness=witness), self_check, progress)


def _finish(d: Decision, self_check: bool, progress) -> Decision:
    """Replay the certificate with the independent checker before reporting."""
    if d.certificate is None:
        return d
    d.text = cert.dumps(d.certificate)
    reason = cert.self_check(d.text, self_check, progress)
    if reason is None:
        return d
    return Decision("unknown", d.rules, "unknown: " + cert.rejection_note(d.verdict, reason), None,
                    internal_error=reason)
