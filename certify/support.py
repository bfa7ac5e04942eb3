"""Support model: a chain of 0/1 masks and its layered-graph views.

A support chain ``I = (I_1, ..., I_L)`` is stored as boolean masks of shape
``(N_l, N_{l-1})``, the shape of a PyTorch ``nn.Linear.weight``, listed from
the input side to the output side.  Graph nodes are ``(l, i)`` with ``l = 0``
the inputs and ``l = L`` the outputs; an edge ``(l-1, j) -> (l, i)`` exists
when ``I_l[i, j] = 1``.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import stat
import zipfile
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import networkx as nx
import numpy as np

from .errors import InputError

# Refuse supports whose dense masks would not fit comfortably in memory, whose
# certificates (which list every non-zero) would not, or whose proofs would
# nest deeper than Python's recursion comfortably allows.
MAX_TOTAL_ENTRIES = 300_000_000
MAX_NONZEROS = 4_000_000
MAX_LAYERS = 256


@dataclass(frozen=True)
class Support:
    """An immutable support chain (masks from input side to output side)."""

    masks: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        for m in self.masks:
            m.setflags(write=False)

    # -- shape -----------------------------------------------------------
    @property
    def depth(self) -> int:
        return len(self.masks)

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.masks[0].shape[1],) + tuple(m.shape[0] for m in self.masks)

    def mask(self, layer: int) -> np.ndarray:
        """The mask of layer ``layer`` (1-based, as in ``W_layer``)."""
        return self.masks[layer - 1]

    @cached_property
    def nonzeros(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """Per mask, ``np.nonzero`` (rows, columns) in row-major order: one
        pass over each dense mask, shared by everything that needs the
        sparse view."""
        return tuple(mask_nonzero(m) for m in self.masks)

    def layer_pairs(self, layer: int) -> list[tuple[int, int]]:
        """Sorted nonzero positions ``(i, j)`` of ``I_layer``."""
        rows, cols = self.nonzeros[layer - 1]
        return list(zip(rows.tolist(), cols.tolist()))

    # -- graph views -----------------------------------------------------
    def layer_graph(self, layer: int) -> nx.Graph:
        """``I_layer`` as a bipartite graph between layers ``layer-1`` and ``layer``."""
        g = nx.Graph()
        g.add_nodes_from(((layer - 1, j) for j in range(self.widths[layer - 1])), bipartite=0)
        g.add_nodes_from(((layer, i) for i in range(self.widths[layer])), bipartite=1)
        g.add_edges_from(((layer - 1, j), (layer, i)) for i, j in self.layer_pairs(layer))
        return g

    def dag(self) -> nx.DiGraph:
        """The whole chain as a layered DAG on nodes ``(l, i)``."""
        g = nx.DiGraph()
        for l, n in enumerate(self.widths):
            g.add_nodes_from(((l, i) for i in range(n)), layer=l)
        for l in range(1, self.depth + 1):
            g.add_edges_from(((l - 1, j), (l, i)) for i, j in self.layer_pairs(l))
        return g

    def transpose(self) -> "Support":
        """The support of the transposed product ``W_1^T ... W_L^T``."""
        return Support(tuple(np.ascontiguousarray(m.T) for m in reversed(self.masks)))

    # -- serialisation ---------------------------------------------------
    def to_json_obj(self, form: str = "sparse") -> dict:
        """JSON form: ``form='rows'`` (lists of 0/1 rows) or ``'sparse'``."""
        if form == "rows":
            return {"layers": [m.astype(np.int8).tolist() for m in self.masks]}
        # np.nonzero lists nonzeros in row-major order: the canonical order.
        return {"layers": [{"shape": list(m.shape), "nonzeros": np.column_stack(nz).tolist()}
                           for m, nz in zip(self.masks, self.nonzeros)]}

    def canonical_json(self) -> str:
        """The canonical serialisation that fingerprints are taken of."""
        return json.dumps(self.to_json_obj("sparse"), sort_keys=True, separators=(",", ":"))

    @cached_property
    def _fingerprint(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def fingerprint(self) -> str:
        return self._fingerprint

    def describe(self) -> str:
        return "widths " + "-".join(str(w) for w in self.widths) + f", {self.depth} layer(s), " + \
            f"{sum(int(m.sum()) for m in self.masks)} nonzeros"

    def __repr__(self) -> str:
        return f"Support({self.describe()})"

    # -- construction (validated; Support(masks) itself checks nothing) ---
    @classmethod
    def from_masks(cls, masks, weights: bool = False, threshold: float = 0.0) -> "Support":
        """Masks as numpy arrays or nested 0/1 lists, shape (out, in), input side
        first; with ``weights=True`` weight arrays, the support being ``|w| > threshold``."""
        return from_masks(masks, weights, threshold)

    @classmethod
    def load(cls, spec, weights: bool = False, threshold: float = 0.0) -> "Support":
        """A file (.json, .npz, .npy, PyTorch state_dict), an inline JSON
        object, or a catalogue pattern such as ``"lu:4"``."""
        if isinstance(spec, os.PathLike):
            return load_file(spec, weights, threshold)
        if not isinstance(spec, str):
            raise InputError(f"cannot load a support from {type(spec).__name__}: give a path or a "
                             "pattern such as 'lu:4'")
        return load_support(spec, weights, threshold)


def mask_nonzero(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero(mask)`` for a 2-D boolean mask, same order and dtype,
    skipping all-zero 8-byte words: several times faster on the large sparse
    masks of structured patterns (butterfly:4096 has 0.05% non-zeros)."""
    flat = mask.reshape(-1)
    if flat.size % 8 or not flat.flags.c_contiguous or flat.dtype != np.bool_:
        return np.nonzero(mask)
    words = np.flatnonzero(flat.view(np.uint64))
    if words.size * 32 > flat.size:
        return np.nonzero(mask)
    pos = (words[:, None] * 8 + np.arange(8)).reshape(-1)
    pos = pos[flat[pos]]
    return pos // mask.shape[1], pos % mask.shape[1]



# ---------------------------------------------------------------------------
# Construction and validation
# ---------------------------------------------------------------------------

def _mask_from_rows(rows, layer: int, weights: bool = False, threshold: float = 0.0) -> np.ndarray:
    if not isinstance(rows, (list, tuple)) or not rows:
        raise InputError(f"layer {layer}: a mask must be a non-empty list of rows")
    width = None
    out = []
    for r, row in enumerate(rows):
        if not isinstance(row, (list, tuple)):
            raise InputError(f"layer {layer}, row {r}: expected a list of 0/1 entries")
        if width is None:
            width = len(row)
            if width == 0:
                raise InputError(f"layer {layer}, row {r}: rows must not be empty")
        elif len(row) != width:
            raise InputError(
                f"layer {layer}: ragged rows (row 0 has {width} entries, row {r} has {len(row)})")
        vals = []
        for c, v in enumerate(row):
            vals.append(_bit(v, f"layer {layer}, entry ({r}, {c})", weights, threshold))
        out.append(vals)
    return np.array(out, dtype=bool)


def _bit(v, where: str, weights: bool = False, threshold: float = 0.0) -> bool:
    # Accept 0/1 written as ints, bools or floats 0.0/1.0; with weights=True
    # any finite number (|w| > threshold = in the support).
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    # numbers.Real covers int, float, Fraction and numpy scalars (np.int64
    # from iterating an array), not complex or strings.
    if isinstance(v, numbers.Integral):
        v = int(v)
    elif isinstance(v, numbers.Real) and not isinstance(v, numbers.Rational):
        v = float(v)
    if weights and isinstance(v, numbers.Rational) or (isinstance(v, float) and math.isfinite(v)):
        if weights:
            return abs(v) > threshold
    if isinstance(v, numbers.Real) and v in (0, 1):
        return v != 0
    hint = "" if weights else " (for pruned weight tensors use --weights)"
    raise InputError(f"{where} is {v!r}; mask entries must be 0 or 1{hint}")


def _mask_from_sparse(obj: dict, layer: int) -> np.ndarray:
    unknown = set(obj) - {"shape", "nonzeros"}
    if unknown or "shape" not in obj or "nonzeros" not in obj:
        raise InputError(f'layer {layer}: a sparse mask needs exactly the keys "shape" and "nonzeros"')
    shape = obj["shape"]
    if (not isinstance(shape, list) or len(shape) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in shape)):
        raise InputError(f"layer {layer}: shape must be [out, in] with two integers")
    n_out, n_in = shape
    if n_out < 1 or n_in < 1:
        raise InputError(f"layer {layer}: shape {shape} has an empty side")
    _check_size(n_out * n_in, f"layer {layer}")
    nz = obj["nonzeros"]
    if not isinstance(nz, list):
        raise InputError(f"layer {layer}: nonzeros must be a list of [i, j] pairs")
    m = np.zeros((n_out, n_in), dtype=bool)
    for p in nz:
        if (not isinstance(p, list) or len(p) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in p)):
            raise InputError(f"layer {layer}: nonzero {p!r} is not an [i, j] pair of integers")
        i, j = p
        if not (0 <= i < n_out and 0 <= j < n_in):
            raise InputError(
                f"layer {layer}: nonzero [{i}, {j}] is out of range for shape [{n_out}, {n_in}]")
        if m[i, j]:
            raise InputError(f"layer {layer}: nonzero [{i}, {j}] is listed twice")
        m[i, j] = True
    return m


def _mask_from_array(a, layer: int, weights: bool = False, threshold: float = 0.0,
                     copy: bool = True) -> np.ndarray:
    try:
        arr = np.asarray(a)
    except ValueError:
        raise InputError(f"layer {layer}: ragged rows") from None
    if arr.dtype == object:
        raise InputError(f"layer {layer}: ragged rows or non-numeric entries")
    if arr.ndim != 2:
        raise InputError(f"layer {layer}: a mask must be 2-dimensional (out, in), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"layer {layer}: shape {list(arr.shape)} has an empty side")
    if arr.dtype == bool:
        return arr.astype(bool, copy=copy)
    if weights and np.iscomplexobj(arr):
        raise InputError(f"layer {layer}: complex weights are not supported")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise InputError(f"layer {layer}: entries of type {arr.dtype} are not 0/1")
    bad = ~np.isfinite(arr) if weights else ~((arr == 0) | (arr == 1))
    if bad.any():
        r, c = np.argwhere(bad)[0].tolist()
        hint = "" if weights else " (for pruned weight tensors use --weights)"
        raise InputError(f"layer {layer}, entry ({r}, {c}) is {arr[r, c].item()!r}; "
                         f"mask entries must be {'finite' if weights else '0 or 1'}{hint}")
    if not weights:
        return arr != 0
    # Not np.abs: the absolute value of the most negative integer of a signed
    # type overflows to itself (np.abs(np.int8(-128)) == -128) and would drop
    # that entry from the support.
    return (arr > threshold) | (arr < -threshold)


def _check_size(n: int, where: str) -> None:
    if n > MAX_TOTAL_ENTRIES:
        raise InputError(f"{where}: {n} mask entries is more than this tool handles ({MAX_TOTAL_ENTRIES})")


def check_threshold(threshold) -> float:
    """A pruning threshold: a finite number >= 0 (0 keeps exactly the non-zeros)."""
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise InputError(f"threshold {threshold!r} is not a number") from None
    except OverflowError:
        raise InputError("threshold is too large; give a finite number >= 0") from None
    if not math.isfinite(t) or t < 0:
        raise InputError(f"threshold {threshold!r} must be a finite number >= 0")
    return t


def from_masks(masks: Sequence, weights: bool = False, threshold: float = 0.0,
               copy: bool = True) -> Support:
    """Build a support from masks given as nested lists, numpy arrays or sparse
    dicts.  With ``weights=True`` the entries may be any finite numbers (pruned
    or dense weight tensors) and the support is where ``|w| > threshold``
    (``threshold=0``: exactly the non-zero entries).  ``copy=False``: boolean
    arrays the caller hands over are used as they are (and frozen)."""
    threshold = check_threshold(threshold)
    if isinstance(masks, np.ndarray):
        if masks.ndim != 3:
            raise InputError(f"an array of shape {list(masks.shape)} is not a list of masks: give "
                             "one 2-D array per layer, e.g. [mask], or a 3-D stack")
        masks = list(masks)          # a stack of equally shaped masks
    if isinstance(masks, (str, bytes)) or not isinstance(masks, Sequence) or len(masks) == 0:
        raise InputError("the support is empty: give at least one mask")
    if len(masks) > MAX_LAYERS:
        raise InputError(f"{len(masks)} layers is more than this tool handles ({MAX_LAYERS})")
    out = []
    total = 0
    for layer, m in enumerate(masks, start=1):
        if isinstance(m, dict):
            arr = _mask_from_sparse(m, layer)
        elif isinstance(m, np.ndarray):
            arr = _mask_from_array(m, layer, weights, threshold, copy)
        else:
            arr = _mask_from_rows(m, layer, weights, threshold)
        total += arr.size
        _check_size(total, "support")
        out.append(arr)
    nonzeros = sum(int(np.count_nonzero(m)) for m in out)
    if nonzeros > MAX_NONZEROS:
        raise InputError(f"{nonzeros} non-zero mask entries is more than this tool handles "
                         f"({MAX_NONZEROS}); certificates list every non-zero")
    for l in range(1, len(out)):
        prev_out, this_in = out[l - 1].shape[0], out[l].shape[1]
        if prev_out != this_in:
            raise InputError(
                f"layers {l} and {l + 1} do not chain: layer {l} has shape {list(out[l - 1].shape)} "
                f"({prev_out} outputs) but layer {l + 1} has shape {list(out[l].shape)} ({this_in} inputs)")
    return Support(tuple(out))


def _unique_keys(pairs: list) -> dict:
    """json object_pairs_hook: a repeated key is an error (plain json keeps
    the last one, silently reading another support than the file shows)."""
    obj: dict = {}
    for key, value in pairs:
        if key in obj:
            raise InputError(f"the key {repr(key)[:40]} appears twice in one JSON object")
        obj[key] = value
    return obj


def from_json_obj(obj, weights: bool = False, threshold: float = 0.0) -> Support:
    if isinstance(obj, dict) and "format" in obj and "claim" in obj:
        raise InputError("this is a certificate, not a support (check it with 'certify check')")
    if not isinstance(obj, dict):
        raise InputError('expected a JSON object {"layers": [mask, ...]}')
    if "layers" not in obj:
        keys = ", ".join(repr(k)[:40] for k in list(obj)[:5])
        raise InputError(f'the JSON object has no "layers" key ({"keys: " + keys if keys else "it is empty"}); '
                         'expected {"layers": [mask, ...]}')
    extra = [k for k in obj if k != "layers"]
    if extra:
        # An ignored key could change the meaning (a transpose flag, say): refuse it.
        raise InputError(f'unknown key {repr(extra[0])[:40]} in the support object: only "layers" is read')
    layers = obj["layers"]
    if not isinstance(layers, list):
        raise InputError('"layers" must be a list of masks')
    return from_masks(layers, weights, threshold)


def load_file(path: str, weights: bool = False, threshold: float = 0.0) -> Support:
    """Load a support from ``.json``, ``.npz``, ``.npy`` (one 2-D mask or a 3-D
    stack) or a PyTorch ``state_dict`` file (needs torch; see
    ``certify.frameworks``); every failure is an InputError."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a support file")
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise InputError(f"{path}: not a regular file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    from . import frameworks
    try:
        if head == b"\x93NUMPY":
            return from_masks(frameworks.load_npy(path), weights, threshold)
        if frameworks.is_torch_file(path, head):
            return frameworks.load_torch_support(path, threshold)
        if head.startswith(b"PK"):  # .npz is a zip archive
            return _load_npz(path, weights, threshold)
        with open(path, "r", encoding="utf-8") as fh:
            obj = json.load(fh, object_pairs_hook=_unique_keys)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    except (ValueError, RecursionError) as e:   # bad JSON or UTF-8, absurd integers, nesting
        binary = path.lower().endswith((".pt", ".pth", ".npz", ".npy"))
        raise InputError(f"{path}: not a torch.save file, .npz or .npy archive, nor a JSON support" if binary
                         else f"{path}: not valid JSON ({str(e)[:200]})") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    try:
        return from_json_obj(obj, weights, threshold)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None


def _load_npz(path: str, weights: bool = False, threshold: float = 0.0) -> Support:
    try:
        _check_npz_shapes(path)
        with np.load(path, allow_pickle=False) as data:
            names = list(data.files)
            if not names:
                raise InputError("the .npz file holds no arrays")
            arrays = [data[name] for name in names]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise InputError(f"not a readable .npz archive ({str(e)[:200]})") from None
    modelish = [n for n, a in zip(names, arrays) if a.ndim != 2 or n.endswith(MODEL_SUFFIXES)]
    if modelish:
        # A saved model (biases, torch.nn.utils.prune pairs), not one mask per layer.
        raise InputError(f"{path} holds {modelish[0]!r} (shape {list(arrays[names.index(modelish[0])].shape)}), "
                         f"not one 2-D mask per layer: for a model's arrays use 'certify model {path}', "
                         "which picks the linear layers and skips the rest")
    return from_masks(arrays, weights, threshold)


MODEL_SUFFIXES = (".bias", ".weight_orig", ".weight_mask", ".running_mean", ".running_var")


def _check_npz_shapes(path: str) -> None:
    """Read each member's .npy header first, so a huge declared shape is
    refused before anything is allocated."""
    total = 0
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            with z.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, _, _ = read(fh)
            total += math.prod(shape)
            _check_size(total, "the .npz masks")


def load_support(spec: str, weights: bool = False, threshold: float = 0.0) -> Support:
    """Resolve a command-line SUPPORT: an existing file, the JSON object itself,
    else a catalogue pattern.  ``weights``/``threshold``: see :func:`from_masks`."""
    if os.path.exists(spec):
        return load_file(spec, weights, threshold)
    if spec.lstrip().startswith("{"):
        try:
            obj = json.loads(spec, object_pairs_hook=_unique_keys)
        except (ValueError, RecursionError) as e:
            raise InputError(f"the support given inline is not valid JSON ({str(e)[:200]})") from None
        return from_json_obj(obj, weights, threshold)
    from .patterns import build_pattern, is_pattern_spec, known_patterns
    if is_pattern_spec(spec) or (":" in spec and not spec.lower().endswith((".json", ".npz"))):
        return build_pattern(spec)
    raise InputError(f"{spec}: no such file, and not a pattern (patterns: {known_patterns()}; "
                     "see 'certify pattern --help')")
