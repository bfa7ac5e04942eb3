"""``certify model``: every chain of consecutive linear layers of a model
file, decided, and the worst verdict.

Layers are taken in file order (or the order of ``--layers``); a chain is a
maximal run in which each layer's input width equals the previous layer's
output width (out of one = in of the next, nn.Linear.weight being (out, in)).
A layer that chains with nothing is a chain of one (closed, rule C0).
Shapes alone say which layers *can* be composed: two heads of equal widths
listed one after the other would be chained too, hence ``--layers``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from .engine import Decision, decide
from .errors import InputError
from .frameworks import NamedLayer, shown
from .support import Support, from_masks

# Worst first: an ill-posed chain outranks an undecided one.
SEVERITY = {"not_closed": 2, "unknown": 1, "closed": 0}


@dataclass
class ChainReport:
    layers: list[NamedLayer]
    support: Support
    decision: Decision
    certificate_path: str | None = None

    @property
    def names(self) -> list[str]:
        return [l.name for l in self.layers]

    @property
    def title(self) -> str:
        return " -> ".join(shown(n) for n in self.names)


@dataclass
class ModelReport:
    layers: list[NamedLayer]
    skipped: list[tuple[str, str]]        # (key, reason)
    chains: list[ChainReport] = field(default_factory=list)

    @property
    def worst(self) -> ChainReport:
        # Ties go to the first chain in order.
        return max(self.chains, key=lambda c: (SEVERITY[c.decision.verdict], -self.chains.index(c)))


def split_chains(layers: list[NamedLayer]) -> list[list[NamedLayer]]:
    """Maximal runs of layers whose shapes chain, in order."""
    runs: list[list[NamedLayer]] = []
    for layer in layers:
        if runs and runs[-1][-1].shape[0] == layer.shape[1]:
            runs[-1].append(layer)
        else:
            runs.append([layer])
    return runs


def _quiet(stage: str) -> None:
    pass


def analyse(layers: list[NamedLayer], skipped: list[tuple[str, str]], progress=_quiet) -> ModelReport:
    """Decide every chain; each certificate is replayed by the checker (as in decide)."""
    report = ModelReport(layers, skipped)
    for k, run in enumerate(split_chains(layers), start=1):
        support = from_masks([l.mask for l in run])
        progress(f"chain {k} ({' -> '.join(l.name for l in run)})")
        report.chains.append(ChainReport(run, support, decide(support)))
    return report


def certificate_paths(folder: str, report: ModelReport, model: str) -> list[tuple[ChainReport, str]]:
    """Where ``-o FOLDER`` puts each checked chain's certificate (chainK.json),
    after checking every path, so that a bad one stops the run before any
    file is written: none may be the model file, a folder or a non-regular
    file (a device or FIFO would be replaced)."""
    out = []
    for k, c in enumerate(report.chains, start=1):
        if c.decision.internal_error is not None or c.decision.text is None:
            continue
        path = os.path.join(folder, f"chain{k}.json")
        if os.path.exists(path):
            if os.path.realpath(path) == os.path.realpath(model):
                raise InputError(f"-o would overwrite the input {model}; choose another place")
            if not stat.S_ISREG(os.stat(path).st_mode):
                raise InputError(f"cannot write {path}: it exists and is not a regular file")
        out.append((c, path))
    return out


# ---------------------------------------------------------------------------
# Report text
# ---------------------------------------------------------------------------

def _verdict_text(d: Decision) -> str:
    text = d.verdict.replace("_", " ")
    return f"{text} ({', '.join(d.rules)})" if d.rules and d.decided else text


def _limit_text(limit: dict) -> str:
    m, n = limit["shape"]
    entries = limit["nonzeros"]
    shown = ", ".join(f"A[{i},{j}] = {v}" for i, j, v in entries[:20])
    more = f" and {len(entries) - 20} more" if len(entries) > 20 else ""
    return (f"limit A ({m}x{n}; rows = outputs, columns = inputs): {shown}{more}; all other "
            "entries 0")


def report_lines(path: str, report: ModelReport, wrap=lambda text: text) -> list[str]:
    """The text ``certify model`` prints; ``wrap`` folds the long prose lines."""
    lines = [f"{path}: {len(report.layers)} linear layer(s), {len(report.chains)} chain(s) "
             "(a chain: each layer's input width = the previous layer's output width)"]
    if report.skipped:
        reasons: dict[str, list[str]] = {}
        for key, why in report.skipped:
            reasons.setdefault(why, []).append(shown(key))
        lines.append(wrap("skipped: " + "; ".join(f"{', '.join(keys)} ({why})"
                                                  for why, keys in reasons.items())))
    for k, c in enumerate(report.chains, start=1):
        lines.append(f"chain {k}: {c.title}")
        lines += [f"  layer {l.describe()}" for l in c.layers]
        lines.append(f"  {c.support.describe()}")
        lines.append(f"  verdict: {_verdict_text(c.decision)}")
        lines.append(wrap(f"  {c.decision.explanation}"))
        if c.decision.limit is not None:
            lines.append(wrap("  " + _limit_text(c.decision.limit)))
        if c.certificate_path:
            lines.append(f"  certificate: {c.certificate_path}; replayed and accepted by the independent checker")
        elif c.decision.internal_error is None and c.decision.text is not None:
            lines.append("  certificate: replayed and accepted by the independent checker; not saved (use -o DIR)")
    worst = report.worst
    if worst.decision.verdict == "closed":
        lines.append("every chain is closed" if len(report.chains) > 1 else "the chain is closed")
    else:
        k = report.chains.index(worst) + 1
        lines.append(f"worst: chain {k} ({worst.title}): {worst.decision.verdict.replace('_', ' ')}")
    return lines


def report_json(path: str, report: ModelReport) -> dict:
    return {
        "model": path,
        "skipped": [{"key": k, "reason": why} for k, why in report.skipped],
        "chains": [{
            "layers": [{"name": l.name, "key": l.key, "kind": l.kind, "shape": list(l.shape),
                        "nonzeros": int(l.mask.sum())} for l in c.layers],
            "widths": list(c.support.widths),
            "support_sha256": c.support.fingerprint(),
            "verdict": c.decision.verdict,
            "rules": c.decision.rules,
            "explanation": c.decision.explanation,
            "certificate": c.certificate_path,
            "checked": c.decision.internal_error is None and c.decision.text is not None,
        } for c in report.chains],
        "worst": {"chain": report.chains.index(report.worst) + 1, "verdict": report.worst.decision.verdict},
    }
