"""Masks from the files machine-learning frameworks write.

* PyTorch ``state_dict`` files (``torch.save(model.state_dict(), path)``),
  read only when torch is installed (the optional ``torch`` extra), always
  with ``torch.load(..., weights_only=True)`` so a file cannot run code.
* ``.npz`` archives of named arrays (``np.savez(path, **named)``) and single
  ``.npy`` arrays (one 2-D mask, or a 3-D stack of equally shaped masks).

Naming rules for named arrays (state_dict keys or ``.npz`` names), in file
order, 2-D arrays only (biases, norms and convolutions are listed as skipped):

* ``NAME.weight_mask`` (from ``torch.nn.utils.prune``): the mask of layer
  ``NAME``; its ``NAME.weight_orig`` / ``NAME.weight`` are then ignored.
* a boolean array: a mask, named by its key.
* any other numeric array: weights; the support is where ``|w| > threshold``
  (threshold 0: exactly the non-zero entries, so a 0/1 array is its own mask).
  ``NAME.weight`` and ``NAME.weight_orig`` name layer ``NAME``.
"""

from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .support import MAX_TOTAL_ENTRIES, Support, check_threshold, from_masks

_MASK, _ORIG, _WEIGHT = "weight_mask", "weight_orig", "weight"


@dataclass(frozen=True)
class NamedLayer:
    """One linear layer found in a file: ``mask`` has shape (out, in)."""

    name: str
    key: str          # the array it came from
    kind: str         # "mask" or "weights"
    mask: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.mask.shape)

    def describe(self) -> str:
        out, inp = self.shape
        return (f"{shown(self.name)} ({inp}->{out}, {int(self.mask.sum())} of {self.mask.size} "
                f"entries, from {shown(self.key)})")


def shown(name: str) -> str:
    """An array name as printed: control characters escaped (a name could
    hold a newline or a terminal escape), the empty name as ''."""
    if not name:
        return "''"
    return name if name.isprintable() else "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name)


# ---------------------------------------------------------------------------
# File kinds
# ---------------------------------------------------------------------------

def is_torch_file(path: str, head: bytes) -> bool:
    """torch.save writes a zip archive holding ``<name>/data.pkl`` (or, in the
    legacy format, a bare pickle, which starts with byte 0x80)."""
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                return any(n == "data.pkl" or n.endswith("/data.pkl") for n in z.namelist())
        except (zipfile.BadZipFile, OSError):
            return False
    return head.startswith(b"\x80")


def _require_torch():
    try:
        import torch
    except ImportError:
        raise InputError("reading PyTorch files needs torch: pip install torch (or pip install -e '.[torch]' in a clone; or save "
                         "the masks with np.savez and pass the .npz file)") from None
    return torch


def load_torch_arrays(path: str) -> dict[str, np.ndarray]:
    """The tensors of a saved state_dict, as numpy arrays, in file order."""
    torch = _require_torch()
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:    # unpickling refused (a whole model, custom classes), corrupt file
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise InputError(f"torch.load(weights_only=True) cannot read it ({first}); save "
                         "model.state_dict() rather than the model") from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]           # a training checkpoint {"state_dict": ..., ...}
    if not isinstance(obj, dict):
        raise InputError(f"expected a state_dict (a dict of tensors), got {type(obj).__name__}")
    arrays = {}
    total = 0
    for key, t in obj.items():
        if not isinstance(t, torch.Tensor):
            continue
        total += t.numel()
        if total > MAX_TOTAL_ENTRIES:
            raise InputError(f"more than {MAX_TOTAL_ENTRIES} tensor entries; this tool handles no more")
        if t.is_sparse:
            t = t.to_dense()
        t = t.detach().cpu()
        if t.dtype == torch.bool:
            arrays[str(key)] = t.numpy().copy()
        elif t.is_floating_point():
            arrays[str(key)] = t.to(torch.float64).numpy().copy()
        elif t.is_complex():
            raise InputError(f"{key}: complex tensors are not supported")
        else:
            arrays[str(key)] = t.to(torch.int64).numpy().copy()
    return arrays


def _npy_header(fh) -> tuple:
    version = np.lib.format.read_magic(fh)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
        np.lib.format.read_array_header_2_0
    shape, _, _ = read(fh)
    if math.prod(shape) > MAX_TOTAL_ENTRIES:
        raise InputError(f"an array of shape {list(shape)} is more than this tool handles "
                         f"({MAX_TOTAL_ENTRIES} entries)")
    return shape


def load_npy(path: str) -> list[np.ndarray]:
    """A single .npy file: one 2-D mask, or a 3-D stack (layer, out, in)."""
    try:
        with open(path, "rb") as fh:
            _npy_header(fh)
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"not a readable .npy array ({str(e)[:200]})") from None
    if arr.ndim == 2:
        return [arr]
    if arr.ndim == 3:
        return list(arr)
    raise InputError(f"a .npy support must be one 2-D mask or a 3-D stack of masks, got shape "
                     f"{list(arr.shape)} (use np.savez for masks of different shapes)")


def load_npz_arrays(path: str) -> dict[str, np.ndarray]:
    try:
        with zipfile.ZipFile(path) as z:
            total = 0
            for info in z.infolist():
                with z.open(info) as fh:
                    total += math.prod(_npy_header(fh))
                if total > MAX_TOTAL_ENTRIES:
                    raise InputError(f"more than {MAX_TOTAL_ENTRIES} array entries; this tool "
                                     "handles no more")
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise InputError(f"not a readable .npz archive ({str(e)[:200]})") from None


def load_arrays(path: str) -> dict[str, np.ndarray]:
    """Named arrays of a state_dict file, an .npz archive, a .npy array or a
    JSON support file (the last two named layer1, layer2, ...)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file" if not os.path.exists(path) else
                         f"{path}: not a regular file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
        if is_torch_file(path, head):
            return load_torch_arrays(path)
        if head.startswith(b"PK"):
            return load_npz_arrays(path)
        if head == b"\x93NUMPY":
            return {f"layer{k}": m for k, m in enumerate(load_npy(path), start=1)}
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    from .support import load_file          # a JSON support file: layers named layer1, layer2, ...
    return {f"layer{k}": m for k, m in enumerate(load_file(path).masks, start=1)}


# ---------------------------------------------------------------------------
# Named layers
# ---------------------------------------------------------------------------

def _base(key: str, suffix: str) -> str | None:
    if key == suffix:
        return key
    for sep in (".", "_"):
        if key.endswith(sep + suffix):
            return key[: -len(suffix) - 1]
    return None


def named_layers(arrays: dict[str, np.ndarray], threshold: float = 0.0
                 ) -> tuple[list[NamedLayer], list[tuple[str, str]]]:
    """Linear layers (in file order) and the keys skipped, as (key, reason)."""
    threshold = check_threshold(threshold)
    masked = {b for k in arrays if (b := _base(k, _MASK)) is not None and k != _MASK}
    layers: list[NamedLayer] = []
    skipped: list[tuple[str, str]] = []
    names = set()
    for key, arr in arrays.items():
        if arr.ndim != 2:
            skipped.append((key, "not 2-D"))
            continue
        base = _base(key, _MASK)
        if base is not None:
            name, kind = base, "mask"
        else:
            name = next((b for s in (_ORIG, _WEIGHT) if (b := _base(key, s)) is not None), key)
            if name in masked and name != key:
                skipped.append((key, "weights under a pruning mask, which gives the support"))
                continue
            kind = "mask" if arr.dtype == bool else "weights"
        if name in names:
            skipped.append((key, "a second array for the same layer"))
            continue
        try:
            (mask,) = from_masks([arr], weights=kind == "weights", threshold=threshold).masks
        except InputError as e:
            raise InputError(f"{key}: {str(e).removeprefix('layer 1: ').removeprefix('layer 1, ')}") from None
        names.add(name)
        layers.append(NamedLayer(name, key, kind, mask))
    return layers, skipped


def read_layers(path: str, threshold: float = 0.0) -> tuple[list[NamedLayer], list[tuple[str, str]]]:
    layers, skipped = named_layers(load_arrays(path), threshold)
    if not layers:
        raise InputError(f"{path}: no 2-D weight or mask arrays found")
    return layers, skipped


def select(layers: list[NamedLayer], names: list[str]) -> list[NamedLayer]:
    """The layers named, in the order given (``--layers a,b,c``)."""
    by_name = {l.name: l for l in layers}
    by_key = {l.key: l for l in layers}
    chosen = []
    for n in names:
        layer = by_name.get(n) or by_key.get(n)
        if layer is None:
            asked = repr(n) if len(n) <= 80 else repr(n[:80]) + "..."
            raise InputError(f"--layers: no layer {asked} (layers found: "
                             f"{', '.join(shown(l.name) for l in layers)})")
        if any(layer is c for c in chosen):
            raise InputError(f"--layers: {n!r} is named twice")
        chosen.append(layer)
    for a, b in zip(chosen, chosen[1:]):
        # Separate chains may be listed, but a pair that chains only the other
        # way round is a reversed list, which would quietly give chains of one.
        if a.shape[0] != b.shape[1] and b.shape[0] == a.shape[1]:
            raise InputError(f"--layers: {shown(b.name)} {list(b.shape)} cannot take the output of "
                             f"{shown(a.name)} {list(a.shape)}, but {shown(a.name)} takes the output of "
                             f"{shown(b.name)}: list the layers from the input side")
    return chosen


def load_torch_support(path: str, threshold: float = 0.0) -> Support:
    """All linear layers of a state_dict as one chain (``certify decide
    model.pt``); layers that do not chain are an error pointing to
    ``certify model``."""
    layers, _ = named_layers(load_torch_arrays(path), threshold)
    if not layers:
        raise InputError("no 2-D weight or mask tensors found")
    for a, b in zip(layers, layers[1:]):
        if a.shape[0] != b.shape[1]:
            raise InputError(f"layers {a.name} {list(a.shape)} and {b.name} {list(b.shape)} do not "
                             f"chain; 'certify model {path}' reports each chain of the model")
    return from_masks([l.mask for l in layers])
