"""The ``certify`` command.

Exit status: 0 decided / all certificates accepted, 1 a certificate rejected
or an internal error, 2 bad input, 3 unknown.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import textwrap
import threading
import time

from . import __version__
from .errors import InputError

EXIT_OK, EXIT_REJECTED, EXIT_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3

SUPPORT_HELP = ("a support file (.json {\"layers\": [mask, ...]}, .npz, .npy, or a PyTorch "
                "state_dict .pt; masks in PyTorch (out, in) layout, input side first), the JSON "
                "object itself, or a pattern such as "
                "lu:4, dense:4,6,3, butterfly:64, monarch:16:4, blockdiag:12:3:3, random:6,10,1:0.4:7")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage by default)
        raise InputError(f"{message} (see '{self.prog} --help')")


def _out_path(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("an output path must not be empty")
    return text


class _Progress:
    """Stage messages on stderr, only once a run has taken over a second, and
    a 'still ...' line every HEARTBEAT seconds while one stage lasts (a long
    witness search on a large mask would otherwise be silent for minutes)."""

    HEARTBEAT = 15.0
    running = False          # set by main() while a command runs; the heartbeat stops with it

    def __init__(self, quiet: bool):
        self.start, self.quiet = time.monotonic(), quiet
        self.stage, self.since, self.beating = None, self.start, False

    def __call__(self, stage: str) -> None:
        self.stage, self.since = stage, time.monotonic()
        if self.quiet:
            return
        if self.since - self.start > 1.0:
            self._say(stage)
        if not self.beating:
            self.beating = True
            threading.Thread(target=self._beat, daemon=True).start()

    def _say(self, text: str) -> None:
        print(f"certify: {text} ({time.monotonic() - self.start:.1f} s)", file=sys.stderr, flush=True)

    def _beat(self) -> None:
        while _Progress.running:
            time.sleep(min(1.0, self.HEARTBEAT / 4))
            if _Progress.running and time.monotonic() - self.since >= self.HEARTBEAT:
                self.since = time.monotonic()
                self._say(f"still {self.stage}")


def _write(path: str, text: str) -> None:
    from .certificate import write_atomic
    if not path:
        raise InputError("an output path is empty")
    path = os.path.realpath(path)          # write through a symlink, not over it
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    if os.path.isdir(path):
        raise InputError(f"cannot write {path}: it is a folder")
    try:
        write_atomic(path, text)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None


def _certificate_line(d, path: str | None, what: str = "certificate") -> None:
    if d.internal_error is None and d.text is not None:
        where = f"written to {path}" if path else "not saved (use -o FILE)"
        print(f"{what}: {where}; replayed and accepted by the independent checker")


def _exit_code(d) -> int:
    if d.internal_error is not None:
        return EXIT_REJECTED
    return EXIT_OK if d.decided else EXIT_UNKNOWN


def _matrix_lines(rows, indent: str = "  ") -> list[str]:
    cells = [[str(x) for x in r] for r in rows]
    width = max((len(c) for r in cells for c in r), default=1)
    return [indent + "[" + " ".join(c.rjust(width) for c in r) + "]" for r in cells]


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=96, subsequent_indent="  ")


# ---------------------------------------------------------------------------
# decide
# ---------------------------------------------------------------------------

MEANING = {
    "closed": "meaning: the set of products is closed. This is necessary for every least-squares "
              "training problem of the sparse ReLU network with these masks to have a minimizer "
              "(Le, Riccietti, Gribonval 2023); it is known to be sufficient for one hidden layer "
              "with a single output.",
    "not_closed": "meaning: some finite training set has no least-squares minimizer for the sparse "
                  "ReLU network with these masks: the loss approaches its infimum only along "
                  "weights that diverge (Le, Riccietti, Gribonval 2023, Thm 3.1), the failure "
                  "seen as exploding weights in training; 'certify optimum' writes such a training "
                  "set. The hidden units named above are where it happens: changing their masks "
                  "(e.g. giving them identical or disjoint input and output sets) removes this "
                  "witness; re-run decide to check. Rule names are explained in docs/theory.md.",
    "unknown": "meaning: no rule of this version applies; nothing is claimed. The reduced core "
               "(printed above; -o FILE saves it with its nodes 'layer:unit', edges and free "
               "entries) is what remains to decide. Smaller blocks, sparser masks and structured "
               "patterns (block-diagonal, butterfly, Monarch, LU) are usually decided.",
}


def _limit_lines(limit: dict) -> list[str]:
    m, n = limit["shape"]
    entries = limit["nonzeros"]
    if m * n <= 144:
        dense = [["0"] * n for _ in range(m)]
        for i, j, v in entries:
            dense[i][j] = v
        return [f"limit matrix A ({m}x{n}; rows = outputs, columns = inputs):"] + _matrix_lines(dense)
    listed = ", ".join(f"A[{i},{j}] = {v}" for i, j, v in entries[:20])
    more = f" and {len(entries) - 20} more" if len(entries) > 20 else ""
    return [f"limit matrix A ({m}x{n}; rows = outputs, columns = inputs): non-zero entries "
            f"{listed}{more}; all other entries 0 (the certificate lists them all)"]


def cmd_decide(args) -> int:
    from .engine import decide
    from .support import load_support

    _check_outputs(args)
    progress = _Progress(args.json)
    support = load_support(args.support, weights=args.weights, threshold=args.threshold or 0.0)
    progress("support loaded; deciding")
    d = decide(support, progress=progress)
    path = None
    if args.output and d.text is not None and d.internal_error is None:
        progress("writing the certificate")
        _write(args.output, d.text)
        path = args.output
    if args.json:
        print(json.dumps({
            "support": args.support,
            "support_sha256": support.fingerprint(),
            "widths": list(support.widths),
            "verdict": d.verdict,
            "rules": d.rules,
            "explanation": d.explanation,
            "certificate": path,
            "checked": d.certificate is not None and d.internal_error is None,
            "limit": d.limit,
            "core": d.core,
        }, indent=1))
    else:
        print(f"{args.support}: {support.describe()}")
        print(f"verdict: {d.verdict.replace('_', ' ')}")
        print(_wrap(d.explanation))
        if d.limit is not None:
            print("\n".join(line if line.startswith("  [") else _wrap(line)
                            for line in _limit_lines(d.limit)))
        if d.internal_error is None:
            print(_wrap(MEANING[d.verdict]))
        _certificate_line(d, path, "certificate" if d.decided else "reduction report (no verdict)")
    return _exit_code(d)


# ---------------------------------------------------------------------------
# optimum
# ---------------------------------------------------------------------------

OPTIMUM_MEANING = {
    "no_optimum": "meaning: on this training set least squares has no minimizer: the loss gets "
                  "arbitrarily close to 0 (along the parameter sequence θ(ε) in the certificate) "
                  "but no parameters reach it, so a training run that keeps lowering the loss "
                  "must let some weights grow without bound.",
    "optimum_exists": "meaning: for every finite training set, least-squares training of this "
                      "sparse ReLU network (biases free) has a minimizer.",
    "undetermined": "meaning: nothing is claimed about training; see what is known above.",
}


def _fraction_text(q) -> str:
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def _write_data(folder: str, data) -> list[str]:
    """inputs.csv, targets.csv (exact values) and data.npz (floats)."""
    import io

    import numpy as np

    from .optimum import data_arrays
    os.makedirs(folder, exist_ok=True)          # paths were checked by _check_outputs
    written = []
    for name, rows, head in (("inputs.csv", data.inputs, "x"), ("targets.csv", data.targets, "y")):
        lines = [",".join(f"{head}{k}" for k in range(len(rows[0])))]
        lines += [",".join(_fraction_text(v) for v in r) for r in rows]
        path = os.path.join(folder, name)
        _write(path, "\n".join(lines) + "\n")
        written.append(path)
    X, Y = data_arrays(data)
    buf = io.BytesIO()
    np.savez(buf, inputs=X, targets=Y, t=np.array(data.t), columns=np.array(data.cols))
    path = os.path.join(folder, "data.npz")
    from .certificate import write_atomic_bytes
    write_atomic_bytes(path, buf.getvalue())
    written.append(path)
    return written


def _restricted_limit_text(limit: dict) -> str:
    lines = _limit_lines(limit)
    lines[0] = lines[0].replace("limit matrix A", "limit A'", 1).replace("columns = inputs", "columns = C'", 1)
    return "\n".join(line if line.startswith("  [") else _wrap(line) for line in lines)


DATA_FILES = ("inputs.csv", "targets.csv", "data.npz")


def _same_path(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _check_outputs(args) -> None:
    """Every output path is checked before anything is written."""
    outputs = []
    if args.output:
        outputs.append(("-o", args.output))
    if getattr(args, "data_out", None):
        folder = args.data_out
        if os.path.lexists(folder) and not os.path.isdir(folder):
            raise InputError(f"--data-out {folder} exists and is not a folder")
        if not os.path.isdir(os.path.dirname(os.path.abspath(folder))):
            raise InputError(f"cannot create {folder}: its parent folder does not exist")
        outputs += [("--data-out", os.path.join(folder, name)) for name in DATA_FILES]
    paths = [os.path.realpath(p) for _, p in outputs]
    if len(set(paths)) != len(paths):
        raise InputError("-o and --data-out name the same file; choose another place")
    will_exist = os.path.realpath(args.data_out) if getattr(args, "data_out", None) else None
    for flag, path in outputs:
        if os.path.isdir(path):
            raise InputError(f"cannot write {path}: it is a folder")
        folder = os.path.dirname(os.path.realpath(path))
        if flag == "-o" and not os.path.isdir(folder) and folder != will_exist:
            raise InputError(f"cannot write {path}: its folder does not exist")
        for other in (args.support, getattr(args, "matrix", None)):
            if other and os.path.exists(other) and _same_path(path, other):
                raise InputError(f"{flag} would overwrite the input {other}; choose another place")


def cmd_optimum(args) -> int:
    from .optimum import decide_optimum
    from .support import load_support

    _check_outputs(args)
    if args.max_subsets < 0:
        raise InputError("--max-subsets must not be negative")
    progress = _Progress(args.json)
    support = load_support(args.support, weights=args.weights, threshold=args.threshold or 0.0)
    d = decide_optimum(support, progress=progress, max_subsets=args.max_subsets)
    path, files = None, []
    if d.internal_error is None:
        if args.data_out and d.data is not None:
            files = _write_data(args.data_out, d.data)
        if args.output and d.text is not None:
            if args.data_out:
                os.makedirs(args.data_out, exist_ok=True)   # -o may live in the data folder
            _write(args.output, d.text)
            path = args.output
    if args.json:
        data = None
        if d.data is not None:
            data = {"columns": d.data.cols, "count": len(d.data.t), "t": d.data.t, "files": files,
                    "limit": d.linear.limit}
        print(json.dumps({"support": args.support, "support_sha256": support.fingerprint(),
                          "widths": list(support.widths), "verdict": d.verdict, "rule": d.rule,
                          "explanation": d.explanation, "certificate": path,
                          "checked": d.internal_error is None and d.text is not None,
                          "training_set": data}, indent=1))
    else:
        print(f"{args.support}: {support.describe()}")
        print(f"verdict: {d.verdict.replace('_', ' ')}" +
              (" for some training set" if d.verdict == "no_optimum" else ""))
        print(_wrap(d.explanation))
        if d.data is not None:
            print(_restricted_limit_text(d.linear.limit))
            x0 = ", ".join(_fraction_text(v) for v in d.data.inputs[0])
            y0 = ", ".join(_fraction_text(v) for v in d.data.targets[0])
            print(_wrap(f"training set: {len(d.data.t)} points, non-zero only on input columns "
                        f"{d.data.cols}, at t = 1..{len(d.data.t)} on the moment curve; e.g. "
                        f"x = [{x0}] -> y = [{y0}]."))
            where = ", ".join(files) if files else "not saved (use --data-out DIR)"
            print(f"data: {where}")
        elif args.data_out:
            print(f"data: none written to {args.data_out} (no training set is needed for this verdict)")
        if d.internal_error is None:
            print(_wrap(OPTIMUM_MEANING[d.verdict]))
            if d.data is not None:
                folder = args.data_out or "DIR"
                print(f"next: certify train {folder} --support {args.support}   (watch the weights grow)")
        _certificate_line(d, path, "certificate" if d.decided else
                          f"certificate of what is known (L_I {d.linear.verdict})")
    return _exit_code(d)


# ---------------------------------------------------------------------------
# member
# ---------------------------------------------------------------------------

def cmd_member(args) -> int:
    from .membership import decide_member, load_matrix
    from .support import load_support

    _check_outputs(args)
    progress = _Progress(args.json)
    support = load_support(args.support, weights=args.weights, threshold=args.threshold or 0.0)
    M = load_matrix(args.matrix)
    d = decide_member(support, M, progress=progress)
    path = None
    if args.output and d.text is not None and d.internal_error is None:
        _write(args.output, d.text)
        path = args.output
    factors = None
    if d.factors is not None:
        factors = [[[i, j, _fraction_text(x.coefficient(0))] for (i, j), x in sorted(m.items())]
                   for m in d.factors]
    if args.json:
        print(json.dumps({"support": args.support, "matrix": args.matrix, "verdict": d.verdict,
                          "explanation": d.explanation, "certificate": path,
                          "checked": d.text is not None and d.internal_error is None,
                          "factors": factors}, indent=1))
    else:
        print(f"{args.support}: {support.describe()}; matrix {len(M)}x{len(M[0])}")
        print(f"verdict: {d.verdict.replace('_', ' ')}")
        print(_wrap(d.explanation))
        if d.factors is not None:
            for l, m in enumerate(d.factors, start=1):
                rows, cols = support.mask(l).shape
                if rows * cols <= 144:
                    dense = [["0"] * cols for _ in range(rows)]
                    for (i, j), x in m.items():
                        dense[i][j] = _fraction_text(x.coefficient(0))
                    side = " (input side)" if l == 1 else " (output side)" if l == support.depth else ""
                    print(f"W_{l}{side} =")
                    print("\n".join(_matrix_lines(dense)))
        _certificate_line(d, path)
    return _exit_code(d)


# ---------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------

def cmd_train(args) -> int:
    from .support import load_support
    from .training import Config, check_shapes, load_data, plot, require_matplotlib, summary, train

    import math
    if args.steps < 1 or args.log_every < 1 or args.seed < 0:
        raise InputError("--steps and --log-every must be positive, --seed not negative")
    if not all(math.isfinite(x) for x in (args.lr_adam, args.lr_gd, args.bias_init)) or \
            args.lr_adam <= 0 or args.lr_gd <= 0:
        raise InputError("learning rates must be positive numbers and --bias-init finite")
    if args.plot:
        if os.path.isdir(args.plot):
            raise InputError(f"cannot write {args.plot}: it is a folder")
        if not args.plot.lower().endswith((".png", ".pdf", ".svg")):
            raise InputError(f"--plot {args.plot}: name a .png, .pdf or .svg file")
        if not os.path.isdir(os.path.dirname(os.path.abspath(args.plot))):
            raise InputError(f"cannot write {args.plot}: its folder does not exist")
        require_matplotlib()
    X, Y = load_data(args.folder)
    support = load_support(args.support, weights=args.weights)
    check_shapes(support, X, Y)
    cfg = Config(steps=args.steps, log_every=args.log_every, lr_adam=args.lr_adam, lr_gd=args.lr_gd,
                 seed=args.seed, bias_init=args.bias_init)
    print(f"training {args.support} ({support.describe()}) on {len(X)} points from {args.folder}")
    print(f"full batch, masks applied after every step; inputs and targets scaled to [0, 1] per column; "
          f"hidden biases start at {cfg.bias_init:g}")
    runs = [train(support, X, Y, opt, cfg) for opt in ("gd", "adam")]
    print(f"{'step':>7} | {'GD loss':>10} {'GD norm':>9} | {'Adam loss':>10} {'Adam norm':>9}")
    for step in sorted(set(runs[0].steps) | set(runs[1].steps)):
        cells = []
        for r in runs:
            k = r.steps.index(step) if step in r.steps else None
            cells.append(f"{r.loss[k]:10.3e} {r.norm[k]:9.4f}" if k is not None else f"{'(stopped)':>20}")
        print(f"{step:7d} | {cells[0]} | {cells[1]}")
    for r in runs:
        print(_wrap(summary(r)))
    if args.plot:
        plot({args.support: runs}, args.plot)
        print(f"plot: written to {args.plot}")
    return EXIT_OK


# ---------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------

def _wrap_indented(text: str) -> str:
    """Fold a report line, continuation lines two spaces deeper than the first."""
    indent = text[:len(text) - len(text.lstrip(" "))]
    return textwrap.fill(text, width=96, subsequent_indent=indent + "  ")


def cmd_model(args) -> int:
    from .frameworks import read_layers, select
    from .model import analyse, report_json, report_lines

    folder = args.output
    if folder:
        if os.path.lexists(folder) and not os.path.isdir(folder):
            raise InputError(f"-o {folder} exists and is not a folder")
        if not os.path.isdir(os.path.dirname(os.path.abspath(folder))):
            raise InputError(f"cannot create {folder}: its parent folder does not exist")
    progress = _Progress(args.json)
    layers, skipped = read_layers(args.model, threshold=args.threshold or 0.0)
    if args.layers is not None:
        layers = select(layers, [n.strip() for n in args.layers.split(",")])
    report = analyse(layers, skipped, progress=progress)
    if folder:
        from .model import certificate_paths
        paths = certificate_paths(folder, report, args.model)     # all checked before any write
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create {folder}: {e.strerror}") from None
        for c, path in paths:
            _write(path, c.decision.text)
            c.certificate_path = path
    if args.json:
        print(json.dumps(report_json(args.model, report), indent=1))
    else:
        print("\n".join(report_lines(args.model, report, _wrap_indented)))
    decisions = [c.decision for c in report.chains]
    if any(d.internal_error is not None for d in decisions):
        return EXIT_REJECTED
    return EXIT_OK if all(d.decided for d in decisions) else EXIT_UNKNOWN


# ---------------------------------------------------------------------------
# draw
# ---------------------------------------------------------------------------

def cmd_draw(args) -> int:
    from .draw import draw
    from .support import load_support

    support = load_support(args.support, weights=args.weights)
    d, pic = draw(support, args.output, args.support, progress=_Progress(False))
    print(f"{args.support}: {support.describe()}")
    print(f"verdict: {d.verdict.replace('_', ' ')}" +
          ("" if d.internal_error else " (replayed and accepted by the independent checker)"
           if d.decided else " (nothing is claimed)"))
    for sentence in pic.caption:
        print(_wrap(sentence))
    print(f"drawing: written to {args.output}")
    return EXIT_OK if d.internal_error is None else EXIT_REJECTED


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------

def cmd_check(args) -> int:
    if not args.certificates and not args.manifest:
        raise InputError("name certificate files, or a manifest with --manifest")
    from .audit import MANIFEST_NAME
    named = [p for p in args.certificates if os.path.basename(p) == MANIFEST_NAME]
    if not args.manifest and len(named) == 1:      # e.g. certify check proofs/*.json
        args.manifest = named[0]
    sha = None
    if args.support:
        from .support import load_support
        sha = load_support(args.support, weights=args.weights).fingerprint()
    claims = tuple(c.strip() for c in args.claim.split(",")) if args.claim else ()
    from .checker.verify import CLAIMS
    if any(c not in CLAIMS for c in claims):
        raise InputError(f"--claim takes claims among {', '.join(CLAIMS)}")
    if not args.json and not args.manifest and sha is None and not claims:
        from .checker import main as checker_main
        return checker_main(args.certificates)
    from .audit import run_check
    return run_check(args.certificates, args.json, args.manifest, sha, claims)


# ---------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------

def cmd_explain(args) -> int:
    from .explain import explain_file
    return explain_file(args.certificate, max_items=args.max_items)


# ---------------------------------------------------------------------------
# pattern
# ---------------------------------------------------------------------------

def cmd_pattern(args) -> int:
    from .patterns import build_pattern
    support = build_pattern(args.spec)
    form = args.form
    if form == "auto":
        form = "rows" if sum(m.size for m in support.masks) <= 10_000 else "sparse"
    obj = support.to_json_obj(form)
    if args.output == "-":
        args.output = None
    if form == "rows":
        text = "{\"layers\": [\n" + ",\n".join(
            "  [\n" + ",\n".join("    " + json.dumps(r) for r in layer) + "\n  ]"
            for layer in obj["layers"]) + "\n]}\n"
    else:
        text = json.dumps(obj, separators=(",", ":")) + "\n"
    if args.output:
        _write(args.output, text)
        print(f"{args.spec}: {support.describe()}; written to {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


# ---------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------

def cmd_sweep(args) -> int:
    from .sweep import sweep
    summary, _ = sweep(args.widths, args.density, args.samples, first_seed=args.seed,
                       workers=args.workers, out=args.out, cert_dir=args.certificates,
                       dask_scheduler=args.dask_scheduler, quiet=args.quiet or args.json)
    if args.json:
        print(json.dumps(summary.to_json(), indent=1))
    else:
        print("\n".join(summary.lines()))
        if args.out:
            print(f"results: {args.out} (one JSON line per sample; rerun to resume)")
    return EXIT_REJECTED if summary.errors else EXIT_OK


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------

def cmd_demo(args) -> int:
    from .checker import check_file
    from .engine import decide
    from .explain import laurent_text
    from .optimum import decide_optimum
    from .patterns import lu

    n = 4
    support = lu(n)
    print(f"certify demo: is the set of products L U with the {n}x{n} LU support closed?")
    print("(masks are (out, in) like nn.Linear.weight, listed from the input layer to the output layer)")
    print("W_1 (input side, upper triangular)  W_2 (output side, lower triangular)")
    w1 = _matrix_lines(support.mask(1).astype(int))
    w2 = _matrix_lines(support.mask(2).astype(int))
    for a, b in zip(w1, w2):
        print(f"{a:36s}{b}")
    d = decide(support)
    print(f"\nverdict: {d.verdict.replace('_', ' ')}")
    print(_wrap(d.explanation))
    curve = d.certificate["proof"]["curve"]
    print("\nwitness curve (non-zero weights; t -> 0+):")
    for l, entries in enumerate(curve, start=1):
        terms = ", ".join(f"W_{l}[{i},{j}] = {laurent_text(x)}" for i, j, x in entries)
        print(_wrap(f"  {terms}"))
    print("\n".join(_limit_lines(d.limit)).replace("limit matrix A", "limit A = lim W_2(t) W_1(t)", 1))
    w = d.certificate["proof"]["witness"]
    (i1, i2), (j1, j2), h = [int(x.split(":")[1]) for x in w["rows"]], \
        [int(x.split(":")[1]) for x in w["cols"]], int(w["node"].split(":")[1])
    print(_wrap(f"A = W_2 W_1 is impossible: A[{i1},{j1}] = W_2[{i1},{h}] W_1[{h},{j1}] = 1 forces "
                f"W_1[{h},{j1}] != 0; then A[{i2},{j1}] = W_2[{i2},{h}] W_1[{h},{j1}] = 0 forces "
                f"W_2[{i2},{h}] = 0; so A[{i2},{j2}] = W_2[{i2},{h}] W_1[{h},{j2}] = 0, not 1 "
                "(each of these entries of an LU product has a single term)."))
    print(_wrap(MEANING["not_closed"]))
    folder = tempfile.mkdtemp(prefix="certify-demo-")
    path = os.path.join(folder, f"lu_{n}.json")
    text = d.text
    _write(path, text)
    print(f"\ncertificate: {path} ({len(text.encode())} bytes; kept for you to inspect)")
    v = check_file(path)
    print(f"independent checker: {'accepted' if v.accepted else 'REJECTED'} ({v.message})")

    print("\n-- the training problem --")
    o = decide_optimum(support)
    data_dir = os.path.join(folder, "data")
    files = _write_data(data_dir, o.data)
    opt_path = os.path.join(folder, f"lu_{n}_optimum.json")
    _write(opt_path, o.text)
    print(_wrap(o.explanation))
    print(_restricted_limit_text(o.linear.limit))
    rows = [f"  t={t:2d}: x = [{', '.join(_fraction_text(q) for q in x)}] -> "
            f"y = [{', '.join(_fraction_text(q) for q in y)}]"
            for t, x, y in list(zip(o.data.t, o.data.inputs, o.data.targets))[:3]]
    print(f"training set ({len(o.data.t)} points; first three):")
    print("\n".join(rows))
    print(f"data: {', '.join(files)}")
    w = check_file(opt_path)
    print(f"certificate: {opt_path}")
    print(f"independent checker: {'accepted' if w.accepted else 'REJECTED'} ({w.message})")
    print(f"\nNext: certify train {data_dir} --support lu:{n}   (watch the weights grow; ~5 s)")
    print("      certify decide SUPPORT -o cert.json ; certify optimum SUPPORT ; certify --help")
    ok = v.accepted and w.accepted and d.verdict == "not_closed" and o.verdict == "no_optimum"
    return EXIT_OK if ok else EXIT_REJECTED


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------

def _common_arguments(p: argparse.ArgumentParser) -> None:
    """SUPPORT, -o, --json, --weights, --from-weights and --threshold, shared by
    decide, optimum and member."""
    p.add_argument("support", metavar="SUPPORT", nargs="?", help=SUPPORT_HELP)
    p.add_argument("-o", "--output", metavar="CERT", type=_out_path, help="write the certificate (JSON) here")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    _weights_arguments(p)


def _weights_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", action="store_true",
                   help="SUPPORT holds weight values (pruned or dense weights): the support is "
                        "where |w| > --threshold")
    p.add_argument("--from-weights", metavar="FILE", help="same as 'FILE --weights'")
    p.add_argument("--threshold", metavar="T", type=float,
                   help="with --weights or --from-weights: entries with |w| <= T are left out of "
                        "the support (default 0: exactly the zero entries)")


def _resolve_weights(args) -> None:
    """--from-weights FILE is SUPPORT=FILE with --weights; --threshold needs weights."""
    if not hasattr(args, "from_weights"):
        return
    if args.from_weights is not None:
        if args.support is not None:
            raise InputError("give SUPPORT or --from-weights FILE, not both")
        if not os.path.exists(args.from_weights):   # a pattern has no weights to threshold
            raise InputError(f"--from-weights {args.from_weights}: no such file")
        args.support, args.weights = args.from_weights, True
    elif args.support is None:
        need = "SUPPORT and MATRIX" if hasattr(args, "matrix") else "SUPPORT"
        raise InputError(f"the following arguments are required: {need} "
                         f"(see 'certify {args.command} --help')")
    if args.threshold is not None:
        from .support import check_threshold
        check_threshold(args.threshold)
        if not args.weights:
            raise InputError("--threshold applies to weights: add --weights, or use --from-weights FILE")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="certify", formatter_class=argparse.RawDescriptionHelpFormatter,
                description="Decide whether the set of products W_L...W_1 with given sparsity masks "
                            "is closed, with\ncertificates an independent checker replays exactly. "
                            "If it is not closed, some training\nset has no least-squares minimizer "
                            "for the sparse ReLU network with these masks.",
                epilog="examples:\n  certify demo\n  certify decide lu:4 -o lu4.json\n"
                       "  certify check lu4.json\n  certify pattern butterfly:16 -o bf16.json\n"
                       "  certify decide bf16.json --json\n\n"
                       "exit status: 0 decided / accepted, 1 rejected or internal error, "
                       "2 bad input, 3 unknown")
    p.add_argument("--version", action="version", version=f"certify {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    d = sub.add_parser("decide", help="closed / not closed / unknown, with a certificate",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Decide closedness of the product set of SUPPORT. Every verdict "
                                   "is replayed by the\nindependent checker before it is printed.\n\n"
                                   "  closed      the product set is closed (a proof tree of rules "
                                   "C0-C8)\n"
                                   "  not closed  a curve of weights whose products converge to a "
                                   "matrix A that is\n"
                                   "              not itself a product: some training set has no "
                                   "minimizer\n"
                                   "  unknown     no rule applies; the reduced core that is left is "
                                   "reported",
                       epilog="SUPPORT forms:\n"
                              "  masks.json   {\"layers\": [mask, ...]}, a mask being rows of 0/1 or\n"
                              "               {\"shape\": [out, in], \"nonzeros\": [[i, j], ...]}\n"
                              "  masks.npz    one array per layer, in the file's order (np.savez)\n"
                              "  masks.npy    one 2-D mask, or a 3-D stack of equally shaped masks\n"
                              "  model.pt     a state_dict (torch.save; needs torch): its linear "
                              "layers, which\n"
                              "               must chain ('certify model' reports each chain)\n"
                              "  lu:4         a catalogue pattern (see 'certify pattern --help')\n"
                              "Masks have the shape of nn.Linear.weight, (out, in), and go from the "
                              "input layer\nto the output layer.\n\n"
                              "examples:\n  certify decide lu:4 -o lu4.json\n"
                              "  certify decide mask.npz --json\n"
                              "  certify decide pruned_weights.npz --weights\n"
                              "  certify decide --from-weights dense_weights.npz --threshold 1e-3\n\n"
                              "exit status: 0 closed or not closed, 3 unknown, 2 bad input, "
                              "1 internal error")
    _common_arguments(d)
    d.set_defaults(func=cmd_decide)

    o = sub.add_parser("optimum", help="does every training problem of the ReLU network have a minimizer?",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Least-squares training of the sparse ReLU network with these masks "
                                   "(weights on the masks,\nbiases free) on finite training sets:\n\n"
                                   "  optimum exists   no hidden layer, or one hidden layer whose "
                                   "outputs read disjoint\n"
                                   "                   hidden units (e.g. a single output)\n"
                                   "  no optimum ...   a training set (written with --data-out) on "
                                   "which no minimizer\n"
                                   "                   exists, with a certificate\n"
                                   "  undetermined     otherwise, with what is known",
                       epilog="examples:\n  certify optimum lu:4 --data-out lu4-data -o lu4-opt.json\n"
                              "  certify train lu4-data --support lu:4\n"
                              "  certify optimum random:6,10,1:0.4:3\n\n"
                              "exit status: 0 decided, 3 undetermined, 2 bad input, 1 internal error")
    _common_arguments(o)
    o.add_argument("--data-out", metavar="DIR", type=_out_path,
                   help="write the training set here: inputs.csv, targets.csv (exact) and data.npz")
    o.add_argument("--max-subsets", type=int, default=500, metavar="N",
                   help="input-column subsets C' to try (default 500)")
    o.set_defaults(func=cmd_optimum)

    mb = sub.add_parser("member", help="is this exact matrix a product with these masks?",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Decide whether MATRIX equals W_L...W_1 for some weights on the "
                                    "masks of SUPPORT\n(fixed-support matrix factorisation), with a "
                                    "certificate:\n\n"
                                    "  member      exact rational factors (the checker multiplies "
                                    "them out)\n"
                                    "  not member  a refutation (propagation or Nullstellensatz)\n"
                                    "  unknown     neither found within this version's bounds",
                        epilog="MATRIX: a .json file of rows (numbers or strings like \"-3/4\"), a "
                               ".npy file (floats\nare taken at their exact binary value), or the rows "
                               "themselves, e.g. '[[0,1],[1,0]]'.\n\n"
                               "examples:\n  certify member lu:3 '[[0,1,0],[1,0,0],[0,0,1]]'\n"
                               "  certify member lu:3 M.json -o m.json\n\n"
                               "exit status: 0 decided, 3 unknown, 2 bad input, 1 internal error")
    _common_arguments(mb)
    mb.add_argument("matrix", metavar="MATRIX", help="the matrix (outputs x inputs)")
    mb.set_defaults(func=cmd_member)

    tr = sub.add_parser("train", help="train on a written training set and watch the weights",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Train the sparse ReLU network on DIR/data.npz (from 'certify "
                                    "optimum --data-out DIR')\nwith plain gradient descent and with "
                                    "Adam, full batch, masks applied after every step,\nand print "
                                    "the loss and the parameter norm (all weights and biases). On a "
                                    "training set\nwith no minimizer, a run that keeps lowering the "
                                    "loss has to grow some weights\nwithout bound; with the defaults "
                                    "Adam shows this within 20,000 steps on lu:4,\nplain gradient "
                                    "descent much more slowly. Defaults keep units alive: hidden\n"
                                    "biases start at 1, inputs and targets are scaled to [0, 1] per "
                                    "column (this\nkeeps the problem ill-posed or well-posed as it was). "
                                    "A dense network of the\nsame widths is a useful comparison; it "
                                    "fits such data exactly, though whether\nevery training problem of "
                                    "a dense network has a minimizer is itself open.",
                        epilog="examples:\n  certify optimum lu:4 --data-out lu4-data\n"
                               "  certify train lu4-data --support lu:4 --plot lu4.png\n"
                               "  certify train lu4-data --support dense:4,4,4")
    tr.add_argument("folder", metavar="DIR", help="a folder written by 'certify optimum --data-out'")
    tr.add_argument("--support", required=True, metavar="SUPPORT", help=SUPPORT_HELP)
    tr.add_argument("--weights", action="store_true", help="SUPPORT holds weight values")
    tr.add_argument("--steps", type=int, default=20_000, help="optimizer steps (default 20000)")
    tr.add_argument("--log-every", type=int, default=500, help="table row every N steps (default 500)")
    tr.add_argument("--lr-adam", type=float, default=1e-2, help="Adam learning rate (default 0.01)")
    tr.add_argument("--lr-gd", type=float, default=1e-2, help="gradient descent step (default 0.01)")
    tr.add_argument("--bias-init", type=float, default=1.0, help="initial hidden biases (default 1)")
    tr.add_argument("--seed", type=int, default=0, help="initialisation seed (default 0)")
    tr.add_argument("--plot", metavar="FILE.png", type=_out_path, help="draw loss and norm curves (needs matplotlib)")
    tr.set_defaults(func=cmd_train)

    md = sub.add_parser("model", help="every chain of linear layers of a saved model, decided",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Read the linear layers of a model file and decide every chain "
                                    "of consecutive layers\n(each layer's input width = the previous "
                                    "layer's output width), in file order or the\norder of --layers; "
                                    "report each verdict and the worst one (not closed, then "
                                    "unknown).\n\n"
                                    "  FILE.pt / .pth   a state_dict saved with torch.save (needs torch: "
                                    "pip install\n"
                                    "                   -e '.[torch]'), read with weights_only=True\n"
                                    "  FILE.npz         named arrays (np.savez(path, **arrays))\n"
                                    "  FILE.json/.npy   a support file (layers named layer1, layer2, "
                                    "...)\n\n"
                                    "NAME.weight_mask (torch.nn.utils.prune) is the mask of layer NAME; "
                                    "boolean arrays\nare masks; other 2-D arrays are weights, the "
                                    "support being |w| > --threshold.\nBiases and other non-2-D arrays "
                                    "are skipped.",
                        epilog="examples:\n  certify model pruned_mlp.pt -o certs\n"
                               "  certify model masks.npz --layers fc1,fc2 --json\n"
                               "  certify model weights.npz --threshold 1e-3\n\n"
                               "exit status: 0 every chain decided, 3 some chain unknown, 2 bad input, "
                               "1 internal error")
    md.add_argument("model", metavar="FILE", help="a state_dict file (.pt/.pth), an .npz of named arrays, "
                                                     "or a support file (.json/.npy)")
    md.add_argument("--layers", metavar="NAMES", help="comma-separated layer names, in order "
                                                       "(default: every 2-D array, in file order)")
    md.add_argument("--threshold", metavar="T", type=float,
                    help="for weight arrays: entries with |w| <= T are left out (default 0)")
    md.add_argument("-o", "--output", metavar="DIR", type=_out_path,
                    help="write each chain's certificate here as chainK.json")
    md.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    md.set_defaults(func=cmd_model)

    dr = sub.add_parser("draw", help="draw the layered graph with the witness or the closedness split",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Decide SUPPORT and draw it as a layered graph (inputs at the "
                                    "bottom, an edge for every\nallowed weight), highlighting the "
                                    "evidence: for 'not closed' the witness curve (red\nentries blow "
                                    "up as t -> 0+), its hidden units and the limit's entries; for "
                                    "'closed'\nrule C3's split layer and its twin classes; for "
                                    "'unknown' the reduced core. A caption\nsays what is "
                                    "highlighted. Needs matplotlib (pip install -e '.[plot]'); "
                                    "supports\nup to 600 nodes and 3,000 edges.",
                        epilog="examples:\n  certify draw lu:4 -o lu4.png\n"
                               "  certify draw butterfly:16 -o bf16.png\n\n"
                               "exit status: 0 drawn (whatever the verdict), 2 bad input, "
                               "1 internal error")
    dr.add_argument("support", metavar="SUPPORT", help=SUPPORT_HELP)
    dr.add_argument("-o", "--output", metavar="FILE.png", type=_out_path, required=True,
                    help="the picture (.png, .pdf or .svg)")
    dr.add_argument("--weights", action="store_true", help="SUPPORT holds weight values")
    dr.set_defaults(func=cmd_draw)

    c = sub.add_parser("check", help="replay certificates with the independent checker",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Replay each certificate (written by 'certify decide', 'optimum' "
                                   "or 'member' with -o)\nwith the independent checker, in exact "
                                   "rational arithmetic. Same as\n'python -m certify.checker CERT...'.",
                       epilog="examples:\n  certify decide lu:4 -o lu4.json && certify check lu4.json\n"
                              "  certify check --json proofs/lu_4.json\n"
                              "  certify check --manifest proofs/MANIFEST.json\n"
                              "  certify check --support masks.npz --claim closed masks-cert.json\n\n"
                              "exit status: 0 all accepted, 1 some rejected (or the manifest does "
                              "not match), 2 some file\nunreadable or not a certificate "
                              "(formats: docs/certificate-format.md)")
    c.add_argument("certificates", metavar="CERT", nargs="*", help="certificate files (JSON)")
    c.add_argument("--json", action="store_true",
                   help="print one JSON report: per file accepted, claim, support fingerprint, "
                        "rules used, time")
    c.add_argument("--manifest", metavar="MANIFEST",
                   help="also check this manifest (e.g. proofs/MANIFEST.json): every listed file "
                        "exists, is unchanged (SHA-256), accepted, with the listed claim and "
                        "fingerprint, and every .json file beside it is listed; a CERT named "
                        "MANIFEST.json is read this way too")
    c.add_argument("--support", metavar="SUPPORT",
                   help="each certificate must also be about this support (file or pattern; its "
                        "SHA-256 fingerprint is compared), e.g. the masks a CI job ships")
    c.add_argument("--weights", action="store_true", help="SUPPORT holds weight values (non-zeros kept)")
    c.add_argument("--claim", metavar="CLAIMS",
                   help="each certificate must also make one of these claims (comma-separated, "
                        "e.g. closed or closed,optimum_exists); an 'unknown' report then fails")
    c.set_defaults(func=cmd_check)

    ex = sub.add_parser("explain", help="print a certificate's proof in words",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Print the proof a certificate carries in words a reviewer can "
                                    "follow: the rules,\nthe reduction steps, the curve and its limit "
                                    "matrix, the refutation steps, and\nthe independent checker's "
                                    "verdict (only the checker's verdict is a proof).",
                        epilog="example:\n  certify explain proofs/lu_4.json\n\n"
                               "exit status: 0 explained and accepted, 1 explained but rejected by "
                               "the checker,\n2 unreadable or not a certificate")
    ex.add_argument("certificate", metavar="CERT", help="a certificate file (JSON)")
    ex.add_argument("--max-items", type=int, default=12, metavar="N",
                    help="show at most N items of each list (default 12; 0 shows all)")
    ex.set_defaults(func=cmd_explain)

    pt = sub.add_parser("pattern", help="write a catalogue pattern as a JSON support",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Write the masks of a catalogue pattern as a JSON support "
                                    "file ({\"layers\": [...]}).",
                        epilog="patterns:\n" + _catalogue() + "\n\nexample:\n"
                               "  certify pattern monarch:16:4 -o monarch.json")
    pt.add_argument("spec", metavar="SPEC", help="a pattern, e.g. lu:4 or dense:4,6,3")
    pt.add_argument("-o", "--output", metavar="FILE", type=_out_path,
                    help="write here instead of standard output ('-' is standard output)")
    pt.add_argument("--form", choices=("auto", "rows", "sparse"), default="auto",
                    help="rows of 0/1 or {shape, nonzeros}; auto: rows up to 10,000 entries")
    pt.set_defaults(func=cmd_pattern)

    sw = sub.add_parser("sweep", help="fraction of random supports closed / not closed / unknown",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Decide N random supports random:WIDTHS:DENSITY:SEED (SEED = "
                                    "--seed, --seed + 1, ...;\nevery entry of every mask is 1 with "
                                    "probability DENSITY) and report the fraction\nclosed / not "
                                    "closed / unknown with 95% Wilson score intervals. Every "
                                    "certificate\nis replayed by the independent checker; a rejected "
                                    "one is an error (exit 1).\nWith --out the results go to a "
                                    "JSON-lines file, one line per sample, written as\nsamples "
                                    "finish: rerun the same command to continue a stopped sweep.",
                        epilog="examples:\n  certify sweep 8,8,8 0.3 -n 2000 --out sweep.jsonl\n"
                               "  certify sweep 4,4,4 0.5 -n 100 --workers 1 --certificates certs\n"
                               "  certify sweep 8,8,8 0.3 -n 100000 --out big.jsonl "
                               "--dask-scheduler tcp://10.0.0.1:8786\n\n"
                               "Each sample is reproducible by its name, e.g. certify decide "
                               "random:8,8,8:0.3:17.\n"
                               "exit status: 0 done, 1 some certificate rejected (or engine "
                               "failure), 2 bad input")
    sw.add_argument("widths", metavar="WIDTHS", help="layer widths, input first, e.g. 8,8,8")
    sw.add_argument("density", metavar="DENSITY", help="probability of a 1, e.g. 0.3 or 3/10")
    sw.add_argument("-n", "--samples", type=int, default=100, metavar="N",
                    help="number of samples (default 100)")
    sw.add_argument("--seed", type=int, default=0, metavar="S", help="first seed (default 0)")
    sw.add_argument("--workers", type=int, default=None, metavar="K",
                    help=f"processes (default: all cores, here {os.cpu_count()})")
    sw.add_argument("--out", metavar="FILE.jsonl", type=_out_path,
                    help="results file: appended to as samples finish; samples already in it are skipped")
    sw.add_argument("--certificates", metavar="DIR", type=_out_path,
                    help="also write every certificate here (random_WIDTHS_DENSITY_SEED.json), "
                         "before the sample's line; with Dask, a folder every worker can write")
    sw.add_argument("--dask-scheduler", metavar="ADDRESS",
                    help="run the samples on a Dask distributed cluster instead of local "
                         "processes (pip install 'certify[dask]', and certify on every worker)")
    sw.add_argument("--json", action="store_true", help="print the summary as JSON")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(func=cmd_sweep)

    dm = sub.add_parser("demo", help="the LU example end to end, in seconds",
                        description="Decide the 4x4 LU support end to end: masks, verdict, witness "
                                    "curve, limit matrix,\ncertificate (written to a temporary "
                                    "folder) and the independent checker's verdict.",
                        epilog="example:\n  certify demo",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    dm.set_defaults(func=cmd_demo)
    return p


def _catalogue() -> str:
    from .patterns import catalogue_help
    return catalogue_help()


def main(argv=None) -> int:
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help()
            return EXIT_INPUT
        _resolve_weights(args)
        _Progress.running = True
        return args.func(args)
    except InputError as e:
        # One line, whatever the message quotes (file names may hold newlines).
        line = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in str(e))
        print(f"certify: error: {line}", file=sys.stderr)
        if getattr(args, "json", False):
            print(json.dumps({"verdict": None, "error": str(e)}))
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("certify: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as e:          # e.g. standard output on a full disk
        print(f"certify: error: {e.strerror or e}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as e:  # never a traceback for users; CERTIFY_DEBUG=1 shows it
        if os.environ.get("CERTIFY_DEBUG"):
            raise
        print(f"certify: internal error: {type(e).__name__}: {e} (please report; "
              "CERTIFY_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        _Progress.running = False


if __name__ == "__main__":
    sys.exit(main())
