"""Mutation and fuzz machinery for the checker (tests/test_mutation.py and
bench/mutation.py).

A *corpus* of accepted certificates (every file in proofs/ plus engine
certificates of the other claim kinds and rules) is mutated at random, each
mutation of a named kind.  Every mutant is checked in-process.  Outcomes:

* ``rejected`` / ``unreadable``: the checker refused it (exit 1 / exit 2);
* ``crash``: check_certificate raised anything other than Malformed (would be
  a traceback; the CLI turns it into a rejection, but it is a bug here);
* ``accepted``: the mutant is then judged by an oracle that does not use the
  checker (``judge``).  It is ``still valid`` only if the oracle establishes
  it independently; otherwise it counts as ``accepted invalid`` -- also when
  the oracle cannot decide, so an unexplained acceptance always fails.

Mutations that leave the certificate's JSON unchanged are not counted.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pathlib
import random
import re
from fractions import Fraction

from certify.checker import Malformed, check_certificate
from certify.checker.parsing import loads

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLAIMS = ("closed", "not_closed", "unknown", "optimum_exists", "no_optimum", "member", "not_member")
RULES = ("layer", "C3", "components", "reduce", "C1", "C2", "C5", "C4", "C6", "C7", "C8", "W1", "W2", "W3", "W4",
         "routed", "R1", "R2",
         "R4", "R5", "R5-drop", "R6", "R7", "nonzero", "zero", "block", "minor", "contradiction", "factors", "refutation",
         "training-set", "no-hidden-layer", "one-hidden-layer")
RATIONAL = re.compile(r"^-?(0|[1-9][0-9]*)(/[1-9][0-9]*)?$")
LABEL = re.compile(r"^(0|[1-9][0-9]*):(0|[1-9][0-9]*)$")


# ---------------------------------------------------------------------------
# corpus
# ---------------------------------------------------------------------------

def _components_example():
    # tests/test_verdicts.py: a deep dense block next to the C1 example.
    import numpy as np
    from certify.support import from_masks
    z = np.zeros
    b1, b2 = np.array([[1, 1], [0, 1], [1, 0]]), np.array([[1, 1, 0], [1, 0, 1]])
    return from_masks([np.block([[np.ones((2, 2)), z((2, 2))], [z((3, 2)), b1]]),
                       np.block([[np.ones((2, 2)), z((2, 3))], [z((2, 2)), b2]]),
                       np.block([[np.ones((2, 2)), z((2, 2))], [z((2, 2)), np.eye(2)]])])


def _engine_certificates() -> dict:
    import numpy as np
    from flint import fmpq

    from certify import certificate
    from certify.engine import decide
    from certify.membership import decide_member
    from certify.optimum import decide_optimum
    from certify.patterns import build_pattern
    from certify.support import from_masks

    def rows(text):
        return from_masks([[[c == "1" for c in row] for row in layer.split(",")] for layer in text.split("/")])

    def q(m):
        return [[fmpq(v) for v in r] for r in m]

    out = {}
    for name, support in (
            ("W2", from_masks([[[1, 1, 0], [0, 1, 1]], [[1, 1], [1, 1]]])),
            ("W3", rows("001,110,111/011,011,101")),
            ("W4", rows("001,011,101/011,101,110")),           # W3's cross over a background
            ("block", rows("001,110,111/011,111,111")),        # W4 refuted with a block step
            ("minor", rows("111,111,100,010/1110,1101,1100")),  # twins, refuted with a minor step
            ("routed", from_masks([[[0, 1, 1], [1, 0, 1], [1, 1, 0]], [[1, 0, 1], [0, 0, 0], [0, 0, 1]],
                                   [[1, 0, 1], [1, 1, 0], [0, 1, 1]]])),
            ("routed_nullstellensatz", from_masks([[[0, 1, 0], [1, 1, 1], [1, 0, 1]],
                                                   [[1, 0, 1], [1, 1, 1], [1, 0, 0]],
                                                   [[0, 1, 1], [0, 1, 0], [1, 1, 0]]])),
            ("C1", from_masks([[[1, 1], [0, 1], [1, 0]], [[1, 1, 0], [1, 0, 1]]])),
            ("C5", from_masks([[[1, 1, 0, 0], [1, 1, 1, 1]], np.ones((3, 2))])),
            ("C4", from_masks([[[1, 1, 1], [1, 1, 0]], [[1, 1], [1, 1], [0, 1]]])),
            ("C6", rows("011,011,111/011,111")),
            ("C7", rows("001,011,011/001,011,110")),           # onto by cases: a three-leaf tree
            ("C8", rows("0011,1111,0010/111,110")),            # a rank-one locus by cases: solve nodes
            ("unknown", rows("011,101,111/011,101,111")),      # an unknown of the exhaustive study
            ("components", _components_example())):
        d = decide(support)
        # Each example must still exercise what it is named after.
        assert name in d.rules if name in RULES else d.verdict == name if name in CLAIMS else True, \
            (name, d.verdict, d.rules)
        out[f"engine_{name}"] = json.loads(certificate.dumps(d.certificate))
    for name, spec in (("no_optimum_lu3", "lu:3"), ("optimum_exists_dense", "dense:3,5,1")):
        out[f"engine_{name}"] = json.loads(decide_optimum(build_pattern(spec)).text)
    out["engine_optimum_no_hidden"] = json.loads(decide_optimum(from_masks([[[1, 0], [1, 1]]])).text)
    lu3, two_nodes = build_pattern("lu:3"), from_masks([[[0, 1, 1], [1, 0, 1]], [[1, 1], [1, 1]]])
    for name, support, m in (("member", lu3, [[1, 2, 3], [2, 5, 7], [3, 8, 14]]),
                             ("not_member", lu3, [[0, 1, 0], [1, 0, 0], [0, 0, 1]]),
                             ("not_member_nullstellensatz", two_nodes, [[1, 1, 1], [1, 1, -1]]),
                             ("not_member_no_path", build_pattern("blockdiag:4:2:2"),
                              [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 1]])):
        out[f"engine_{name}"] = json.loads(decide_member(support, q(m)).text)
    return out


_CORPUS: dict | None = None


def corpus() -> dict:
    """name -> certificate, every one accepted by the checker."""
    global _CORPUS
    if _CORPUS is None:
        out = {p.stem: json.loads(p.read_text()) for p in sorted((ROOT / "proofs").glob("*.json"))
               if p.name != "MANIFEST.json"}
        out.update(_engine_certificates())
        for name, c in out.items():
            v = check_certificate(c)
            assert v.accepted, (name, v.message)
        _CORPUS = out
    return _CORPUS


# ---------------------------------------------------------------------------
# mutations: each takes a fresh copy and a Random, mutates in place, and
# returns False when it does not apply
# ---------------------------------------------------------------------------

def _sites(x, pred, path=()):
    """Paths (tuples of keys) to every node below x satisfying pred."""
    out = []
    if pred(x):
        out.append(path)
    if isinstance(x, dict):
        for k, v in x.items():
            out.extend(_sites(v, pred, path + (k,)))
    elif isinstance(x, list):
        for k, v in enumerate(x):
            out.extend(_sites(v, pred, path + (k,)))
    return out


def _get(c, path):
    for k in path:
        c = c[k]
    return c


def _set(c, path, value):
    _get(c, path[:-1])[path[-1]] = value


def _pick(c, pred, rnd, where=("proof",)):
    sites = _sites(_get(c, where), pred, where)
    return rnd.choice(sites) if sites else None


def _is_rational(x):
    return isinstance(x, str) and RATIONAL.fullmatch(x) is not None


def _is_int(x):
    return type(x) is int


def _fraction_text(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def number_change(c, rnd):
    path = _pick(c, lambda x: _is_rational(x) or _is_int(x), rnd)
    if path is None:
        return False
    old = _get(c, path)
    if isinstance(old, str):
        q = Fraction(old)
        new = rnd.choice([q + 1, q - 1, 2 * q, q / 2 if q else Fraction(1, 2), Fraction(0),
                          Fraction(rnd.randint(-9, 9), rnd.randint(1, 9))])
        if new == q:
            new = q + 1
        _set(c, path, _fraction_text(new))
    else:
        new = rnd.choice([old + 1, old - 1, 0, 2 * old + 1, rnd.randint(-3, 20)])
        _set(c, path, new if new != old else old + 1)
    return True


def sign_flip(c, rnd):
    path = _pick(c, lambda x: (_is_rational(x) and x != "0") or (_is_int(x) and x != 0), rnd)
    if path is None:
        return False
    old = _get(c, path)
    _set(c, path, (old[1:] if old.startswith("-") else "-" + old) if isinstance(old, str) else -old)
    return True


def _step_lists(c):
    return _sites(c["proof"], lambda x: isinstance(x, list) and x and all(isinstance(s, dict) for s in x),
                  ("proof",))


def dropped_step(c, rnd):
    lists = [p for p in _step_lists(c) if len(_get(c, p)) >= 1]
    if not lists:
        return False
    lst = _get(c, rnd.choice(lists))
    del lst[rnd.randrange(len(lst))]
    return True


def swapped_steps(c, rnd):
    lists = [p for p in _step_lists(c) if len(_get(c, p)) >= 2]
    if not lists:
        return False
    lst = _get(c, rnd.choice(lists))
    i, j = rnd.sample(range(len(lst)), 2)
    if lst[i] == lst[j]:
        return False
    lst[i], lst[j] = lst[j], lst[i]
    return True


def refingerprint(c):
    text = json.dumps(c["support"], sort_keys=True, separators=(",", ":"))
    c["support_sha256"] = hashlib.sha256(text.encode()).hexdigest()


def support_bit_flip(c, rnd):
    layer = rnd.choice(c["support"]["layers"])
    n_out, n_in = layer["shape"]
    pair = [rnd.randrange(n_out), rnd.randrange(n_in)]
    nz = layer["nonzeros"]
    if pair in nz:
        nz.remove(pair)
    else:
        nz.append(pair)
        nz.sort()
    if rnd.random() < 0.9:        # mostly with a fresh fingerprint: the interesting case
        refingerprint(c)
    return True


def claim_flip(c, rnd):
    c["claim"] = rnd.choice([k for k in CLAIMS if k != c["claim"]])
    return True


def truncated_list(c, rnd):
    path = _pick(c, lambda x: isinstance(x, list) and len(x) >= 1, rnd)
    if path is None:
        return False
    lst = _get(c, path)
    del lst[rnd.randrange(len(lst)):]
    return True


def duplicated_item(c, rnd):
    path = _pick(c, lambda x: isinstance(x, list) and len(x) >= 1, rnd)
    if path is None:
        return False
    lst = _get(c, path)
    k = rnd.randrange(len(lst))
    lst.insert(rnd.randrange(len(lst) + 1), copy.deepcopy(lst[k]))
    return True


def label_change(c, rnd):
    path = _pick(c, lambda x: isinstance(x, str) and LABEL.fullmatch(x) is not None, rnd)
    if path is None:
        return False
    layer, index = map(int, _get(c, path).split(":"))
    if rnd.random() < 0.7:
        index = rnd.choice([index + 1, max(0, index - 1) if index else index + 2, rnd.randrange(8)])
    else:
        layer = rnd.choice([layer + 1, layer - 1 if layer else layer + 1])
    new = f"{layer}:{index}"
    if new == _get(c, path):
        return False
    _set(c, path, new)
    return True


def rule_rename(c, rnd):
    path = _pick(c, lambda x: isinstance(x, dict) and x.get("rule") in RULES, rnd)
    if path is None:
        return False
    node = _get(c, path)
    node["rule"] = rnd.choice([r for r in RULES if r != node["rule"]])
    return True


def dropped_key(c, rnd):
    path = _pick(c, lambda x: isinstance(x, dict) and x, rnd, where=())
    if path is None:
        return False
    node = _get(c, path)
    del node[rnd.choice(list(node))]
    return True


def extra_key(c, rnd):
    path = _pick(c, lambda x: isinstance(x, dict), rnd, where=())
    node = _get(c, path)
    node[rnd.choice(["verdict", "accepted", "note", "rule2", "extra"])] = rnd.choice([True, "closed", 0, []])
    return True


JUNK = [None, True, False, 0, -1, 10 ** 6, "", "x", "0:0", "1/0", "-0", "1.5", [], {}, [[]], {"rule": "R7"}]


def type_confusion(c, rnd):
    path = _pick(c, lambda x: True, rnd)
    if not path:
        return False
    old = _get(c, path)
    choices = [j for j in JUNK if type(j) is not type(old)]
    _set(c, path, copy.deepcopy(rnd.choice(choices)))
    return True


def subtree_swap(c, rnd):
    """Replace one subtree of the proof by another subtree of the same
    certificate (a limit for a matrix, a step for a step, ...)."""
    sites = _sites(c["proof"], lambda x: True, ("proof",))[1:]
    if len(sites) < 2:
        return False
    a, b = rnd.sample(sites, 2)
    if a[:len(b)] == b or b[:len(a)] == a:
        return False
    _set(c, a, copy.deepcopy(_get(c, b)))
    return True


MUTATIONS = {f.__name__: f for f in (
    number_change, sign_flip, dropped_step, swapped_steps, support_bit_flip, claim_flip, truncated_list,
    duplicated_item, label_change, rule_rename, dropped_key, extra_key, type_confusion, subtree_swap)}


# Semantic mutations that keep the product (valid) or break it on one side
# only (invalid), for the focused campaign on the C7, C8, W4 and block certificates
# (bench/mutation.py): they give the oracle real work, where the blind
# mutations above are nearly always rejected outright.

def _rescaled(terms, coef: Fraction, shift, sign: int) -> list:
    """Terms times coef^sign * shift^sign; shift(powers) -> new powers."""
    return [[shift(powers, sign), _fraction_text(Fraction(c) * coef ** sign)] for powers, c in terms]


def leaf_rescale(c, rnd):
    """In one C7 or C8 leaf, one hidden node's in-edge weights times f and its out-edge
    weights over f, f a constant, possibly times a_k or 1/a_k: valid iff the
    leaf may use those powers; one side only (a quarter of the time): invalid."""
    path = _pick(c, lambda x: isinstance(x, dict) and isinstance(x.get("weights"), list) and x["weights"], rnd)
    if path is None:
        return False
    parts = [_get(c, path[:i]) for i in range(len(path), 0, -1)]
    m = len(next(x for x in parts if isinstance(x, dict) and "entries" in x)["entries"])
    ws = _get(c, path)["weights"]
    hidden = sorted({w[1] for w in ws} & {w[0] for w in ws})
    if not hidden:
        return False
    v = rnd.choice(hidden)
    coef = rnd.choice([Fraction(2), Fraction(-1), Fraction(1, 3)])
    mono = {} if rnd.random() < 0.3 else {rnd.randrange(m): rnd.choice([1, -1])}
    sides = rnd.choice([{"in", "out"}] * 3 + [{"in"}, {"out"}])

    def shift(powers, sign):
        d = dict(map(tuple, powers))
        for k, n in mono.items():
            d[k] = d.get(k, 0) + sign * n
        return sorted([k, n] for k, n in d.items() if n)

    for w in ws:
        if w[1] == v and "in" in sides:
            w[2] = _rescaled(w[2], coef, shift, 1)
        if w[0] == v and "out" in sides:
            w[2] = _rescaled(w[2], coef, shift, -1)
    return True


def curve_rescale(c, rnd):
    """In a not_closed curve, one hidden unit's incoming weights times c t^k and its
    outgoing weights over it: the product, so the limit, is unchanged (valid);
    one side only (a quarter of the time): the limit moves or diverges."""
    if c.get("claim") != "not_closed" or not isinstance(c["proof"].get("curve"), list):
        return False
    curve = c["proof"]["curve"]
    l = rnd.randrange(len(curve) - 1) if len(curve) >= 2 else None
    hs = [] if l is None else sorted({e[0] for e in curve[l]} & {e[1] for e in curve[l + 1]})
    if not hs:
        return False
    h, k = rnd.choice(hs), rnd.choice([-2, -1, 1, 2])
    coef = rnd.choice([Fraction(2), Fraction(-1), Fraction(1, 3)])
    sides = rnd.choice([{"in", "out"}] * 3 + [{"in"}, {"out"}])
    for e in curve[l]:
        if e[0] == h and "in" in sides:
            e[2] = _rescaled(e[2], coef, lambda x, sign: x + sign * k, 1)
    for e in curve[l + 1]:
        if e[1] == h and "out" in sides:
            e[2] = _rescaled(e[2], coef, lambda x, sign: x + sign * k, -1)
    return True


def block_move(c, rnd):
    """A propagation ``block`` step's rows or columns permuted, or its entry
    moved along its line (valid); or one row, one column or the entry replaced
    by another sink or source of the core (valid only if the block and the
    line still satisfy the rule: mostly not)."""
    path = _pick(c, lambda x: isinstance(x, dict) and x.get("rule") == "block" and "rows" in x, rnd)
    if path is None:
        return False
    st, core = _get(c, path), _get(c, path[:path.index("refutation")])["reduction"]["core"]
    move = rnd.choice(["permute", "along", "row", "col", "entry"])
    if move == "permute":
        lst = st[rnd.choice(["rows", "cols"])]
        lst.reverse()
    elif move == "along":
        snk, src = st["entry"]
        st["entry"] = [snk, rnd.choice(st["cols"])] if src in st["cols"] else [rnd.choice(st["rows"]), src]
    elif move == "entry":
        st["entry"] = [rnd.choice(core["sinks"]), rnd.choice(core["sources"])]
    else:
        lst = st["rows" if move == "row" else "cols"]
        lst[rnd.randrange(len(lst))] = rnd.choice(core["sinks" if move == "row" else "sources"])
    return True


def minor_move(c, rnd):
    """A propagation ``minor`` step's rows or columns permuted (valid: the
    determinant only changes sign); or one row, one column or one node of H
    replaced by another of the core (valid only if the minor still gives the
    same fact: mostly not)."""
    path = _pick(c, lambda x: isinstance(x, dict) and x.get("rule") == "minor" and "rows" in x, rnd)
    if path is None:
        return False
    st, core = _get(c, path), _get(c, path[:path.index("refutation")])["reduction"]["core"]
    move = rnd.choice(["permute", "row", "col", "node"])
    if move == "permute":
        st[rnd.choice(["rows", "cols"])].reverse()
    else:
        key, pool = {"row": ("rows", "sinks"), "col": ("cols", "sources"), "node": ("nodes", "hidden")}[move]
        st[key][rnd.randrange(len(st[key]))] = rnd.choice(core[pool])
    return True


SEMANTIC = {f.__name__: f for f in (leaf_rescale, curve_rescale, block_move, minor_move)}


def byte_flip(text: str, rnd) -> bytes:
    """Raw-text mutation: one byte changed (parsed with the checker's strict
    reader, so budgets and duplicate keys are exercised too)."""
    data = bytearray(text.encode())
    k = rnd.randrange(len(data))
    data[k] = rnd.choice(b'0123456789-/:",[]{} ax\\') if rnd.random() < 0.9 else rnd.randrange(256)
    return bytes(data)


# ---------------------------------------------------------------------------
# running one mutant
# ---------------------------------------------------------------------------

def run(obj) -> tuple[str, str]:
    """-> (outcome, message); outcome in accepted, rejected, unreadable, crash."""
    try:
        v = check_certificate(obj)
    except Malformed as e:
        return "unreadable", str(e)
    except Exception as e:      # noqa: BLE001 -- any other exception is a checker crash
        return "crash", f"{type(e).__name__}: {e}"
    return ("accepted" if v.accepted else "rejected"), v.message


def run_bytes(data: bytes) -> tuple[str, str]:
    from certify.checker import Reject
    try:
        obj = loads(data)
    except Reject as e:
        return "rejected", str(e)
    except ValueError as e:
        return "unreadable", str(e)
    except Exception as e:      # noqa: BLE001
        return "crash", f"{type(e).__name__}: {e}"
    return run(obj)


# ---------------------------------------------------------------------------
# the oracle for accepted mutants (never the checker)
# ---------------------------------------------------------------------------

def _diff(a, b, path=()):
    """Paths where two JSON values differ (a changed subtree is one path)."""
    if isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b):
        return [p for k in a for p in _diff(a[k], b[k], path + (k,))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for k in range(len(a)) for p in _diff(a[k], b[k], path + (k,))]
    return [] if a == b and type(a) is type(b) else [path]


def _normal(c):
    """The certificate with what carries no proof content normalised away: the
    witness annotations, the order and repetition of ``uses`` and of R1
    ``nodes`` (sets), and the order of Nullstellensatz cofactors (a sum)."""
    c = copy.deepcopy(c)

    def walk(x):
        if isinstance(x, dict):
            if x.get("rule") in ("W1", "W2", "W3", "W4", "routed"):
                x.pop("witness", None)
            if isinstance(x.get("uses"), list):
                x["uses"] = sorted(set(map(json.dumps, x["uses"])))
            if x.get("rule") == "R1" and isinstance(x.get("nodes"), list):
                x["nodes"] = sorted(set(map(json.dumps, x["nodes"])))
            if x.get("method") == "nullstellensatz" and isinstance(x.get("cofactors"), list):
                x["cofactors"] = sorted(x["cofactors"], key=json.dumps)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(c)
    return c


def _support(c):
    from certify.support import from_json_obj
    return from_json_obj(c["support"])


def _matrix(obj):
    from flint import fmpq
    rows, cols = obj["shape"]
    M = [[fmpq(0)] * cols for _ in range(rows)]
    for i, j, v in obj["nonzeros"]:
        num, _, den = v.partition("/")
        M[i][j] = fmpq(int(num), int(den or 1))
    return M


def engine_answer(c):
    """The engine's own verdict and proof for the mutant's question (support,
    and matrix for membership), computed without the checker (no self-check).
    -> (verdict, proof or None)."""
    from certify.engine import decide
    from certify.membership import decide_member
    from certify.optimum import decide_optimum
    s = _support(c)
    if c["claim"] in ("closed", "not_closed", "unknown"):
        d = decide(s, self_check=False)
        return d.verdict, json.loads(json.dumps(d.certificate))["proof"] if d.certificate else None
    if c["claim"] in ("optimum_exists", "no_optimum"):
        d = decide_optimum(s, self_check=False)
    else:
        d = decide_member(s, _matrix(c["proof"]["matrix"]), self_check=False)
    return d.verdict, json.loads(d.text)["proof"] if d.text else None


def mutants(corpus: dict, n: int, seed: int, kinds: list | None = None):
    """n random named mutants of the corpus, each replayed by the checker and,
    when accepted, judged: yields (certificate name, kind, outcome, message).
    ``kinds``: the mutation names to draw from (default: MUTATIONS and byte_flip;
    SEMANTIC ones may be added)."""
    rnd = random.Random(seed)
    names = sorted(corpus)
    texts = {k: json.dumps(corpus[k]) for k in names}
    kinds = kinds or list(MUTATIONS) + ["byte_flip"]
    table = {**MUTATIONS, **SEMANTIC}
    done = 0
    while done < n:
        name, kind = rnd.choice(names), rnd.choice(kinds)
        if kind == "byte_flip":
            data = byte_flip(texts[name], rnd)
            outcome, message = run_bytes(data)
            mutant = json.loads(data) if outcome == "accepted" else None
        else:
            mutant = json.loads(texts[name])
            if not table[kind](mutant, rnd) or mutant == corpus[name]:
                continue
            outcome, message = run(mutant)
        done += 1
        if outcome == "accepted":
            outcome, message = judge(corpus[name], mutant) if mutant != corpus[name] else ("equivalent", "")
        yield name, kind, outcome, message


def judge(original: dict, mutant: dict) -> tuple[str, str]:
    """Decide, without the checker, whether an accepted mutant is a valid
    certificate.  -> (verdict, reason), verdict one of

    * ``equivalent``: equal to the original up to ``_normal`` (annotations,
      order of sets and sums): valid because the original is;
    * ``engine proof``: the engine, asked the mutant's question, answers its
      claim with exactly its proof (after ``_normal``);
    * ``false claim``: the engine proves the opposite claim -- a checker bug;
    * ``unverified``: no independent argument either way (counted as a
      failure, like a false claim)."""
    if _normal(original) == _normal(mutant):
        return "equivalent", "differs only in annotations, set order or cofactor order"
    changed = _diff(_normal(original), _normal(mutant))
    if mutant["claim"] == "member" and _member_argument(mutant):
        return "independent replay", _member_argument(mutant)      # proves the claim too
    same_question = mutant["claim"] == original["claim"] != "unknown" and \
        mutant["support"] == original["support"] and \
        mutant["proof"].get("matrix") == original["proof"].get("matrix")
    if same_question and len(changed) == 1 and changed[0][-1] == "rule" and "components" in changed[0] and \
            {_get(original, changed[0]), _get(mutant, changed[0])} == {"C1", "C2"}:
        # C1 and C2 state the same hypotheses on a component with one hidden node.
        from certify.reductions import State, reduce
        at = changed[0][:changed[0].index("components")]
        red = reduce(State.from_chain(_chain_at(mutant, at)))
        if sum(red.final.is_hidden(v) for v in red.components[changed[0][-2]]) == 1:
            return "independent replay", "C1 and C2 coincide on a component with one hidden node"
    if same_question and _independent_argument(changed, mutant):
        return "independent replay", _independent_argument(changed, mutant)
    try:
        verdict, proof = engine_answer(mutant)
    except Exception as e:      # noqa: BLE001 -- the engine refuses the mutant's input
        return "unverified", f"the engine cannot answer ({type(e).__name__})"
    opposite = {"closed": "not_closed", "not_closed": "closed", "optimum_exists": "no_optimum",
                "no_optimum": "optimum_exists", "member": "not_member", "not_member": "member"}
    if verdict == opposite.get(mutant["claim"]):
        return "false claim", f"the engine proves {verdict}"
    if proof is not None and (verdict == mutant["claim"] or mutant["claim"] == "unknown") and \
            _normal(dict(mutant, proof=proof)) == _normal(mutant):
        return "engine proof", "the engine emits this very proof"
    true = same_question or verdict == mutant["claim"] or mutant["claim"] == "unknown"
    if true and _independent_argument(changed, mutant):
        return "independent replay", _independent_argument(changed, mutant)
    return "unverified", f"claim {'true' if true else 'not established'}; no independent check of the proof"


def _lab(x):
    return tuple(map(int, x.split(":")))


def _pairs(xs):
    return sorted((_lab(a), _lab(b)) for a, b in xs)


def engine_replay(state, steps, core) -> bool:
    """Replay reduction steps on an engine State (networkx), checking each
    step's hypotheses here, then compare the stated core."""
    from certify.reductions import apply_step, components, dead_nodes
    g = state.graph
    for k, st in enumerate(steps):
        r, g = st["rule"], state.graph
        if r == "R1":
            nodes = sorted({_lab(x) for x in st["nodes"]})
            if not nodes or not set(nodes) <= set(dead_nodes(state)):
                return False
            st = {"rule": r, "nodes": nodes}
        elif r == "R5":
            edges = _pairs(st["edges"])
            if not edges or len(set(edges)) != len(edges) or not all(
                    a in state.sources and b in state.sinks and g.has_edge(a, b) for a, b in edges):
                return False
            st = {"rule": r, "edges": edges}
        elif r == "R5-drop":
            sinks, sources = [_lab(x) for x in st["sinks"]], [_lab(x) for x in st["sources"]]
            rest = state.sinks - set(sinks)
            if not (sinks or sources) or not all(
                    k in state.sinks and all((k, j) in state.dont_care for j in state.sources) for k in sinks) \
                    or not all(j in state.sources and all((k, j) in state.dont_care for k in rest) for j in sources):
                return False
            st = {"rule": r, "sinks": sinks, "sources": sources}
        elif r in ("R2", "R4"):
            nodes = [_lab(st["node"])] if r == "R2" else [_lab(x) for x in st["nodes"]]
            if not nodes or len(set(nodes)) != len(nodes) or not all(v in g and state.is_hidden(v) for v in nodes):
                return False
            P, Q = set(g.predecessors(nodes[0])), set(g.successors(nodes[0]))
            if r == "R2":
                if not P or not Q or (st["side"], len(P if st["side"] == "in" else Q)) not in (("in", 1), ("out", 1)):
                    return False
                new = [(next(iter(P)), q) for q in Q] if st["side"] == "in" else [(p, next(iter(Q))) for p in P]
                st = {"rule": r, "node": nodes[0], "side": st["side"], "parallel": st["parallel"]}
            else:
                if not P or not Q or len(nodes) < min(len(P), len(Q)) or any(
                        set(g.predecessors(v)) != P or set(g.successors(v)) != Q for v in nodes):
                    return False
                new = [(p, q) for p in P for q in Q]
                st = {"rule": r, "nodes": nodes, "parallel": st["parallel"]}
            if sorted(e for e in set(new) if g.has_edge(*e)) != _pairs(st["parallel"]):
                return False
        elif r == "R6":
            if k != len(steps) - 1 or [[_lab(x) for x in c] for c in st["components"]] != components(state):
                return False
        elif r != "R7":
            return False
        apply_step(state, st)
    mine = state.core()
    return bool(steps) and steps[-1]["rule"] == "R6" and all(
        [_lab(x) for x in core[k]] == mine[k] for k in ("sources", "sinks", "hidden")) and all(
        _pairs(core[k]) == mine[k] for k in ("edges", "dont_care"))


def _chain_at(c, path):
    """The engine Chain a reduction at ``path`` (inside the proof) starts from."""
    import numpy as np
    from certify.chains import Chain
    from certify.support import from_masks
    support = _support(c)
    if path[:2] == ("proof", "linear"):        # no_optimum: the column restriction I|C'
        masks = [m.copy() for m in support.masks]
        masks[0] = masks[0][:, c["proof"]["columns"]]
        return Chain.from_support(from_masks([np.asarray(m) for m in masks]))
    chain, node = Chain.from_support(support), c["proof"]
    for k, key in enumerate(path[1:], start=1):
        if isinstance(node, dict) and node.get("rule") == "C3" and key in ("left", "right"):
            s = node["split"]
            chain = chain.slice(s + 1, chain.depth) if key == "left" else chain.slice(1, s)
        elif isinstance(node, dict) and key == "parts":
            part = node["parts"][path[k + 1]]
            chain = chain.restrict({_lab(x) for x in part["nodes"]})
        node = node[key]
        if not isinstance(node, (dict, list)):
            break
    return chain


def _independent_argument(changed, mut) -> str | None:
    """For an accepted mutant whose claim is true and whose proof differs
    (after ``_normal``) at the paths ``changed``: an argument, checked here
    without the checker, that its proof is valid."""
    from certify.reductions import State
    # (a) only reduction steps changed: replay them independently to the same core.
    reds = {p[:p.index("steps")] for p in changed if "steps" in p}
    if changed and all("steps" in p for p in changed) and all(
            isinstance(_get(mut, r), dict) and "core" in _get(mut, r) for r in reds):
        if all(engine_replay(State.from_chain(_chain_at(mut, r)), _get(mut, r)["steps"], _get(mut, r)["core"])
               for r in reds):
            return "the changed reduction replays independently to the same core"
        return None
    # (b) not_member / not_closed by propagation: reduction and refutation
    # replayed here (targets: the matrix, or the limit of the curve below).
    if mut["claim"] == "not_member" and _propagation_replays(mut, mut["proof"]["matrix"]):
        return "reduction and propagation replayed independently with the matrix as targets"
    # (c) not_closed: the curve's limit, multiplied out here with fractions,
    # is the stated one; the rest of the proof is unchanged or replays.
    if mut["claim"] == "not_closed" and all(p[1] in ("curve", "refutation", "reduction", "limit")
                                            for p in changed):
        limit = _curve_limit(mut)
        stated = {(i, j): Fraction(v) for i, j, v in mut["proof"]["limit"]["nonzeros"]}
        if limit is not None and limit == stated and (
                all(p[1] == "curve" for p in changed) or
                (mut["proof"]["refutation"]["method"] == "propagation" and
                 _propagation_replays(mut, mut["proof"]["limit"]))):
            return "the curve's limit, recomputed with fractions, is the stated one; refutation unchanged or replayed"
    # (e) closed by reduce + C4/C6/C7/C8 and only those components changed: on the
    # engine's reduced state (networkx), rebuild M(kappa) and redo the C4/C6
    # algebra in sympy, or walk the C7/C8 tree and expand its path sums in sympy.
    if mut["claim"] == "closed" and mut["proof"].get("rule") == "reduce" and changed and all(
            len(p) > 3 and p[1] == "components" for p in changed):
        from certify.reductions import State, reduce
        red = reduce(State.from_chain(_chain_at(mut, ("proof",))))
        stated = [[_lab(x) for x in c] for c in mut["proof"]["steps"][-1]["components"]]
        parts = mut["proof"]["components"]
        if stated == red.components and all(
                (_onto_holds if isinstance(parts[k], dict) and parts[k].get("rule") in ("C7", "C8")
                 else _fibre_rule_holds)(red.final, red.components[k], parts[k]) for k in {p[2] for p in changed}):
            return "the changed C4/C6/C7/C8 components re-verified in sympy on the engine's own reduced state"
        return None
    # (d) a Nullstellensatz degree is a bound on the cofactors' degrees.
    if all(p[-1] == "degree" for p in changed):
        ref = _get(mut, changed[0][:-1])
        top = max(sum(pw for _, pw in t[0]) for cf in ref["cofactors"] for t in cf["terms"])
        if type(ref["degree"]) is int and top <= ref["degree"] <= 12:
            return "the stated Nullstellensatz degree still bounds every cofactor term"
    return None


def _fibre_rule_holds(state, comp, part) -> bool:
    """C6: M(point) is onto; C4: M K = 0, K of rank n - r at the point, and
    on every chart sum cofactor * minor = 1 -- all in sympy, M from the engine's Setup."""
    import itertools

    import sympy
    from certify.constant_rank import Setup
    try:
        hidden = sorted(v for v in comp if state.is_hidden(v))
        if [_lab(h) for h, _ in part["orientation"]] != hidden:
            return False
        s = Setup(state, comp, {_lab(h): side for h, side in part["orientation"]})
        N, n = len(s.dirs), len(s.cols)
        k = sympy.symbols(f"k0:{N}")
        point = [sympy.Rational(x) for x in part["point"]]
        if len(point) != N:
            return False

        def matrix(values):
            m = sympy.zeros(len(s.rows), n)
            for i, e in enumerate(s.entries):
                for c, v in e.items():
                    m[i, c] = values[v]
            return m

        if part["rule"] == "C6":
            return matrix(point).rank() == len(s.rows)

        def poly(terms):
            return sum((sympy.Rational(c) * sympy.Mul(*(k[v] ** p for v, p in mono)) for mono, c in terms),
                       sympy.Integer(0))

        r = part["rank"]
        K = sympy.Matrix([[poly(x) for x in vec] for vec in part["kernel"]]).T if part["kernel"] else None
        if len(part["kernel"]) != n - r or (K is not None and (
                sympy.expand(matrix(k) * K) != sympy.zeros(len(s.rows), n - r)
                or K.subs(dict(zip(k, point))).rank() != n - r)):
            return False
        dsets = [[v for (h2, v) in s.dirs if h2 == h] for h in hidden]
        if sorted(tuple(map(_lab, c["ones"])) for c in part["charts"]) != sorted(itertools.product(*dsets)):
            return False
        for chart in part["charts"]:
            ones = {s.dirs.index((h, _lab(v))) for h, v in zip(hidden, chart["ones"])}
            m = matrix([1 if i in ones else k[i] for i in range(N)])
            total = 0
            for minor in chart["minors"]:
                I, J, cof = minor["rows"], minor["cols"], poly(minor["cofactor"])
                if len(set(I)) != r or len(set(J)) != r or cof.free_symbols & {k[i] for i in ones}:
                    return False
                total += cof * m.extract(I, J).det()
            if sympy.expand(total) != 1:
                return False
        return True
    except (KeyError, TypeError, ValueError, IndexError):
        return False


def _strict_lab(x):
    if not (isinstance(x, str) and LABEL.fullmatch(x)):
        raise ValueError("not a node label")
    return _lab(x)


def _onto_holds(state, comp, part) -> bool:
    """C7 and C8 (docs/theory.md §3): the entries are the component's observed
    entries reached by a path (networkx on the engine's state), sorted; every
    test names an entry not tested or solved above on its branch and has both
    children; at every leaf the weights sit on distinct edges of the component,
    use no entry tested zero or solved and negative powers only of entries
    tested non-zero, and each entry's path sum, expanded in sympy, is its
    target: a_k, 0 for an entry tested zero, its solved value for a solved one.
    C8 only: each minor is [(r1,c1), (r1,c2), (r2,c1), (r2,c2)], every entry
    reached by exactly one path source -> h -> sink, one h for all four (so
    a_i a_l = a_j a_k on the set); a solve node names an untested, unsolved
    entry x of a listed minor whose partner y (positions 0 <-> 3, 1 <-> 2) is
    tested non-zero, and sets a_x = a_o1 a_o2 / a_y (o1, o2 the other two, at
    their current values); below a test "a_k = 0" the solved values are
    taken at a_k = 0."""
    import networkx as nx
    import sympy
    try:
        if not isinstance(part, dict) or part.get("rule") not in ("C7", "C8") or \
                set(part) != {"rule", "entries", "tree"} | ({"minors"} if part["rule"] == "C8" else set()):
            return False
        inside = set(comp)
        sub = state.graph.subgraph(inside)
        edges = set(sub.edges)
        entries, paths = [], []
        for q in sorted(v for v in inside if v in state.sinks):
            for p in sorted(v for v in inside if v in state.sources):
                if (q, p) not in state.dont_care and nx.has_path(sub, p, q):
                    entries.append((q, p))
                    paths.append([list(zip(path, path[1:])) for path in nx.all_simple_paths(sub, p, q)])
        listed = part["entries"]
        if not entries or not isinstance(listed, list) or not all(isinstance(e, list) and len(e) == 2
                                                                  for e in listed) \
                or [(_strict_lab(q), _strict_lab(p)) for q, p in listed] != entries:
            return False
        m, index = len(entries), {e: k for k, e in enumerate(entries)}
        a = sympy.symbols(f"a0:{m}")
        leaves = [0]

        def entry(x):
            if not (isinstance(x, list) and len(x) == 2):
                raise ValueError("entry")
            return index[(_strict_lab(x[0]), _strict_lab(x[1]))]      # KeyError: not an observed entry

        minors = []
        if part["rule"] == "C8":
            if not isinstance(part["minors"], list) or not part["minors"]:
                return False
            for quad in part["minors"]:
                if not (isinstance(quad, list) and len(quad) == 4):
                    return False
                four = [entries[entry(x)] for x in quad]
                (r1, c1), (r1b, c2), (r2, c1b), (r2b, c2b) = four
                if not (r1 == r1b and r2 == r2b and c1 == c1b and c2 == c2b and r1 != r2 and c1 != c2):
                    return False
                ps = [paths[index[e]] for e in four]
                if any(len(x) != 1 or len(x[0]) != 2 for x in ps) or len({x[0][0][1] for x in ps}) != 1:
                    return False
                minors.append([index[e] for e in four])

        def weight(terms, zero, nonzero, solved):
            if not isinstance(terms, list):
                raise ValueError("terms")
            total = sympy.Integer(0)
            for term in terms:
                if not (isinstance(term, list) and len(term) == 2 and isinstance(term[0], list)
                        and _is_rational(term[1])):
                    raise ValueError("term")
                mono, seen = sympy.Integer(1), set()
                for pw in term[0]:
                    if not (isinstance(pw, list) and len(pw) == 2 and _is_int(pw[0]) and _is_int(pw[1])):
                        raise ValueError("power")
                    k, n = pw
                    if not 0 <= k < m or k in seen or n == 0 or abs(n) > 64 or k in zero or k in solved or \
                            (n < 0 and k not in nonzero):
                        raise ValueError("an entry that may not occur, or not inverted, here")
                    seen.add(k)
                    mono *= a[k] ** n
                total += sympy.Rational(term[1]) * mono
            return total

        def value(k, zero, solved):
            return sympy.Integer(0) if k in zero else solved[k] if k in solved else a[k]

        def walk(node, zero, nonzero, solved) -> bool:
            if not isinstance(node, dict):
                return False
            if "solve" in node:
                f = node.get("minor")
                if set(node) != {"solve", "minor", "then"} or type(f) is not int or not 0 <= f < len(minors):
                    return False
                x, quad = entry(node["solve"]), minors[f]
                if x not in quad or x in zero | nonzero or x in solved:
                    return False
                pos = quad.index(x)
                y = quad[3 - pos]
                o1, o2 = (quad[i] for i in range(4) if i not in (pos, 3 - pos))
                if y not in nonzero or y in solved:
                    return False
                v = sympy.expand(value(o1, zero, solved) * value(o2, zero, solved) / a[y])
                return walk(node["then"], zero, nonzero, {**solved, x: v})
            if "test" in node:
                if set(node) != {"test", "zero", "nonzero"}:
                    return False
                k = entry(node["test"])
                if k in zero | nonzero or k in solved:
                    return False
                # a_k is untested above, so never inverted: the solved values are polynomial in it.
                at_zero = {x: sympy.expand(v.subs(a[k], 0)) for x, v in solved.items()}
                return walk(node["zero"], zero | {k}, nonzero, at_zero) and \
                    walk(node["nonzero"], zero, nonzero | {k}, solved)
            leaves[0] += 1
            if set(node) != {"weights"} or not isinstance(node["weights"], list) or leaves[0] > 256:
                return False
            w = {}
            for item in node["weights"]:
                if not (isinstance(item, list) and len(item) == 3):
                    return False
                e = (_strict_lab(item[0]), _strict_lab(item[1]))
                if e not in edges or e in w:
                    return False
                w[e] = weight(item[2], zero, nonzero, solved)
            return all(sympy.expand(sum((sympy.Mul(*(w.get(e, 0) for e in path)) for path in ps), sympy.Integer(0))
                                    - value(k, zero, solved)) == 0 for k, ps in enumerate(paths))

        return walk(part["tree"], frozenset(), frozenset(), {})
    except (KeyError, TypeError, ValueError, IndexError):
        return False


def _curve_limit(mut):
    """lim_{t->0+} of the curve's product, with fractions; None if it diverges
    or the curve leaves the support."""
    layers = mut["support"]["layers"]
    prod = None
    for l, entries in enumerate(mut["proof"]["curve"]):
        if len({(i, j) for i, j, _ in entries}) != len(entries) or \
                not all([i, j] in layers[l]["nonzeros"] for i, j, _ in entries):
            return None
        m = {(i, j): {e: Fraction(c) for e, c in terms} for i, j, terms in entries}
        if prod is None:
            prod = m
            continue
        new = {}
        for (i, k), a in m.items():
            for (k2, j), b in prod.items():
                if k2 == k:
                    acc = new.setdefault((i, j), {})
                    for e1, c1 in a.items():
                        for e2, c2 in b.items():
                            acc[e1 + e2] = acc.get(e1 + e2, 0) + c1 * c2
        prod = new
    if any(c != 0 for p in prod.values() for e, c in p.items() if e < 0):
        return None
    return {ij: p[0] for ij, p in prod.items() if p.get(0, 0) != 0}


def _member_argument(mut) -> str | None:
    """Factors on the support that multiply (here, with fractions) to the matrix."""
    layers = mut["support"]["layers"]
    try:
        prod = None
        for l, entries in enumerate(mut["proof"]["factors"]):
            if not all([i, j] in layers[l]["nonzeros"] for i, j, _ in entries):
                return None
            m = {(i, j): Fraction(v) for i, j, v in entries}
            prod = m if prod is None else {
                (i, k): sum((v * prod.get((j, k), 0) for (i2, j), v in m.items() if i2 == i), Fraction(0))
                for i in range(layers[l]["shape"][0]) for k in range(layers[0]["shape"][1])}
        target = {(i, j): Fraction(v) for i, j, v in mut["proof"]["matrix"]["nonzeros"]}
    except (TypeError, ValueError, KeyError, IndexError):
        return None
    if prod is not None and all(prod.get(k, 0) == target.get(k, 0) for k in set(prod) | set(target)):
        return "the factors, multiplied here with fractions, give the matrix"
    return None


def _propagation_replays(mut, targets) -> bool:
    from certify.reductions import State, original_entry
    from certify.refutations import path_monomials
    proof = mut["proof"]
    red, ref = proof["reduction"], proof["refutation"]
    state = State.from_chain(_chain_at(mut, ("proof", "reduction")))
    if ref["method"] != "propagation" or not engine_replay(state, red["steps"], red["core"]):
        return False
    comps = [[_lab(x) for x in c] for c in red["steps"][-1]["components"]]
    k = proof["component"]
    comp = set(state.graph) if k is None else set(comps[k]) if type(k) is int and 0 <= k < len(comps) else None
    M = {(i, j): Fraction(v) for i, j, v in targets["nonzeros"]}
    steps, facts, used = ref["steps"], [], set()
    for n, st in enumerate(steps):
        if comp is None or any(type(u) is not int or not 0 <= u < n for u in st["uses"]):
            return False
        used |= set(st["uses"])
        zero = set().union(*(facts[u][0] for u in st["uses"]))
        nonzero = set().union(*(facts[u][1] for u in st["uses"]))
        last = n == len(steps) - 1
        if st["rule"] == "minor":
            fact = _minor_facts(state, comp, st, M, zero, nonzero, last)
            if fact is None:
                return False
            facts.append(fact)
            continue
        snk, src = _lab(st["entry"][0]), _lab(st["entry"][1])
        if snk not in state.sinks or src not in state.sources or not {snk, src} <= comp or \
                (snk, src) in state.dont_care:
            return False
        a = M.get(original_entry(snk, src), 0)
        live = [m for m in path_monomials(state.graph, src, snk) if not m & zero]
        if st["rule"] == "nonzero" and a != 0 and len(live) == 1 and not last:
            facts.append((set(), set(live[0])))
        elif st["rule"] == "zero" and a == 0 and len(live) == 1:
            var = (_lab(st["var"][0]), _lab(st["var"][1]))
            if var not in live[0] or not live[0] - {var} <= nonzero or last != (var in nonzero):
                return False
            facts.append(({var}, set()))
        elif st["rule"] == "contradiction" and a != 0 and not live and last:
            facts.append((set(), set()))
        elif st["rule"] == "block" and not last:
            zero = _block_zeros(state, comp, st, snk, src, M)
            if zero is None:
                return False
            facts.append((zero, set()))
        else:
            return False
    return bool(steps) and used >= set(range(len(steps) - 1))


def _minor_facts(state, comp, st, M, zero, nonzero, last):
    """docs/theory.md §4 ``minor``, in sympy on the engine's networkx state:
    det over rows x cols of (target − path monomials not through H, a fresh
    symbol on a free entry), cited zeros set to 0.  -> (zero, nonzero) facts,
    or None if a hypothesis fails."""
    import sympy
    from certify.reductions import original_entry
    from certify.refutations import path_monomials
    try:
        H = {_strict_lab(x) for x in st["nodes"]}
        R, C = [_strict_lab(x) for x in st["rows"]], [_strict_lab(x) for x in st["cols"]]
    except (TypeError, ValueError, KeyError):
        return None
    k = len(R)
    if not 2 <= k <= 4 or len(C) != k or len(set(R)) != k or len(set(C)) != k or len(H) != k - 1 \
            or len(st["nodes"]) != k - 1 or not set(R) <= state.sinks & comp or not set(C) <= state.sources & comp:
        return None
    sym = {}

    def var(e):
        return sym.setdefault(e, sympy.Symbol(f"x{len(sym)}"))

    def cell(q, p):
        if (q, p) in state.dont_care:
            return var(("free", q, p))
        v = M.get(original_entry(q, p), 0)
        out = sympy.Rational(v.numerator, v.denominator) if v else sympy.Integer(0)
        for m in path_monomials(state.graph, p, q):
            if not (len(m) == 2 and any(m == {(p, h), (h, q)} for h in H)):
                out -= sympy.Mul(*(var(e) for e in m))
        return out

    det = sympy.expand(sympy.Matrix([[cell(q, p) for p in C] for q in R]).det(method="berkowitz"))
    det = sympy.expand(det.subs({sym[e]: 0 for e in zero if e in sym}))
    poly = sympy.Poly(det, *sym.values()) if sym else None
    terms = poly.terms() if poly is not None else [((), det)]
    back = {s: e for e, s in sym.items()}
    constant = sum((c for m, c in terms if not any(m)), sympy.Integer(0))
    live = [{back[s] for s, d in zip(sym.values(), m) if d} for m, c in terms if any(m) and c != 0]
    gives = st.get("gives")
    if gives == "contradiction":
        return (set(), set()) if constant != 0 and not live and last else None
    if len(live) != 1:
        return None
    free = {v for v in live[0] if v[0] == "free"}
    if gives == "nonzero" and constant != 0 and not last:
        return set(), live[0] - free
    try:
        v = (_strict_lab(st["var"][0]), _strict_lab(st["var"][1]))
    except (TypeError, ValueError, KeyError, IndexError):
        return None
    if gives == "zero" and constant == 0 and not free and v in live[0] and live[0] - {v} <= nonzero \
            and last == (v in nonzero):
        return {v}, set()
    return None


def _block_zeros(state, comp, st, snk, src, M):
    """docs/theory.md §4 ``block``, on the engine's networkx state: every
    path source -> sink of the k x k block rows x cols is source -> h -> sink,
    the h form a set H of k nodes, the target block has rank k (sympy), and
    the line through the entry outside the block has target 0 and paths
    through H only; then the line's edges to (from) H are zero.  -> those
    edges, or None if a hypothesis fails."""
    import networkx as nx
    import sympy
    from certify.reductions import original_entry
    try:
        R, C = [_strict_lab(x) for x in st["rows"]], [_strict_lab(x) for x in st["cols"]]
    except (TypeError, ValueError):
        return None
    k, g = len(R), state.graph
    if k < 2 or len(C) != k or len(set(R)) != k or len(set(C)) != k or (snk in R) == (src in C):
        return None

    def nodes(q, p):
        if q not in state.sinks or p not in state.sources or not {q, p} <= comp or (q, p) in state.dont_care:
            return None
        paths = list(nx.all_simple_paths(g, p, q))
        return None if any(len(path) != 3 for path in paths) else {path[1] for path in paths}

    cells = [nodes(q, p) for q in R for p in C]
    if any(c is None for c in cells):
        return None
    H = set().union(*cells)

    def target(q, p):
        v = M.get(original_entry(q, p), 0)
        return sympy.Rational(v.numerator, v.denominator) if v else sympy.Integer(0)

    if len(H) != k or sympy.Matrix([[target(q, p) for p in C] for q in R]).rank() != k:
        return None
    line = [(snk, p) for p in C] if src in C else [(q, src) for q in R]
    for q, p in line:
        n = nodes(q, p)
        if n is None or not n <= H or target(q, p) != 0:
            return None
    if src in C:
        return {(h, snk) for h in H if g.has_edge(h, snk)}
    return {(src, h) for h in H if g.has_edge(src, h)}
