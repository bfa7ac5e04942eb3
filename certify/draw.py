"""``certify draw``: a picture of a support as a layered graph (inputs at the
bottom, one row of nodes per layer, an edge for every weight the masks allow)
with the verdict's evidence highlighted:

* not closed: the witness curve's entries (red where they carry a negative
  power of t, i.e. blow up as t -> 0+), the hidden units the witness names,
  and the entries of the limit A (dashed arcs input -> output);
* closed: rule C3's split layer with its twin classes in colours (their
  rectangles are pairwise disjoint), or the components / reduced core the
  proof closes;
* unknown: the reduced core that no rule decides (edges created by the
  reductions drawn as arcs).

Nothing drawn here is part of a certificate; the verdict comes from
``engine.decide`` and is replayed by the independent checker first.
Needs matplotlib (the ``plot`` extra); networkx does the layout and drawing.
"""

from __future__ import annotations

import os
import stat
import tempfile
import textwrap
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .errors import InputError
from .rules import COMPONENT_RULE_TEXT
from .support import Support

MAX_NODES = 600          # beyond this a picture is unreadable (and slow); refuse
MAX_EDGES = 3000
LABEL_NODES = 160        # unit numbers inside the nodes up to this many nodes

ARC = "arc3,rad=0.3"
BOTH = "#bdbdbd"
GREY, LIGHT = "#9a9a9a", "#d9d9d9"
RED, BLUE, ORANGE, GREEN, PURPLE = "#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("certify draw needs matplotlib: pip install matplotlib (or pip install -e "
                         "'.[plot]' in a clone)") from None


def check_size(support: Support) -> None:
    nodes, edges = sum(support.widths), int(sum(m.sum() for m in support.masks))
    if nodes > MAX_NODES or edges > MAX_EDGES:
        raise InputError(f"the support has {nodes} nodes and {edges} edges; certify draw is limited to "
                         f"{MAX_NODES} nodes and {MAX_EDGES} edges (a larger picture is unreadable): "
                         "draw a smaller instance of the pattern, e.g. butterfly:16")


def _node(text: str) -> tuple[int, int]:
    layer, unit = text.split(":")
    return int(layer), int(unit)


@dataclass
class Picture:
    """What to draw on top of the grey support graph."""
    title: str
    caption: list[str] = field(default_factory=list)      # sentences under the picture
    edge_colors: dict = field(default_factory=dict)       # (u, v) -> colour
    edge_widths: dict = field(default_factory=dict)
    node_colors: dict = field(default_factory=dict)       # node -> fill colour
    faded: set = field(default_factory=set)               # nodes removed by the reductions
    arcs: list = field(default_factory=list)              # (u, v, colour, style, label): non-layer edges
    split: int | None = None                              # C3: a line above this layer
    legend: list = field(default_factory=list)            # (kind, colour, style, label)


# ---------------------------------------------------------------------------
# What each verdict highlights
# ---------------------------------------------------------------------------

def _not_closed(support: Support, proof: dict, pic: Picture) -> None:
    L = support.depth
    divergent, bounded = [], []
    for l, entries in enumerate(proof["curve"], start=1):
        for i, j, terms in entries:
            edge = ((l - 1, j), (l, i))
            (divergent if min(e for e, _ in terms) < 0 else bounded).append(edge)
    for e in bounded:
        pic.edge_colors[e], pic.edge_widths[e] = BLUE, 2.2
    for e in divergent:
        pic.edge_colors[e], pic.edge_widths[e] = RED, 3.0
    info = proof["witness"]
    named = [info[k] for k in ("node", "cancel") if isinstance(info.get(k), str) and ":" in info[k]]
    named += [x for x in info.get("nodes", [])]
    hidden = sorted({_node(x) for x in named if 0 < _node(x)[0] < L})
    if not hidden:     # routed witnesses name layers, not units: the units the curve blows up at
        hidden = sorted({v for e in divergent for v in e if 0 < v[0] < L})
    for h in hidden:
        pic.node_colors[h] = ORANGE
    limit = proof["limit"]["nonzeros"]
    for i, j, v in limit:
        pic.node_colors[(0, j)] = pic.node_colors[(L, i)] = GREEN
        if len(limit) <= 8:
            pic.arcs.append(((0, j), (L, i), GREEN, "dashed", f"A[{i},{j}]={v}"))
    shown = ", ".join(f"A[{i},{j}] = {v}" for i, j, v in limit[:8]) + \
        (f" and {len(limit) - 8} more" if len(limit) > 8 else "")
    units = ", ".join(f"{a}:{b}" for a, b in hidden)
    pic.caption += [
        f"Witness ({proof['rule']}): weights W_l(t) on the highlighted edges; red entries carry a negative "
        f"power of t and blow up as t -> 0+, blue ones stay bounded; every other weight is 0.",
    ] + ([f"Hidden units of the mechanism (orange): {units}."] if units else []) + [
        f"The products tend to the limit A with {shown} (output, input; green nodes"
        + (", dashed arcs" if pic.arcs else "") + "), and A is not a product with these masks: the set "
        "of products is not closed.",
    ]
    pic.legend += [("line", RED, "solid", "curve entry with a negative power of t"),
                   ("line", BLUE, "solid", "curve entry, bounded"),
                   ("node", ORANGE, None, "hidden unit of the witness"),
                   ("node", GREEN, None, "input / output of a limit entry")]
    if pic.arcs:
        pic.legend.append(("line", GREEN, "dashed", "non-zero entry of the limit A"))


COLOUR_NAMES = ["blue", "orange", "green", "red", "purple", "brown", "pink", "olive", "cyan", "grey"]
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#bcbd22", "#17becf", "#7f7f7f"]


def _splits(proof: dict) -> list[int]:
    if proof.get("rule") != "C3":
        return []
    return [proof["split"]] + _splits(proof["left"]) + _splits(proof["right"])


def _some(units, shown: int = 8) -> str:
    xs = sorted(units)
    more = f", ... ({len(xs)} in all)" if len(xs) > shown else ""
    return "{" + ", ".join(map(str, xs[:shown])) + more + "}"


def _cone(support: Support, level: int, members: list[int]):
    """Edges and end nodes of all paths through ``members`` of ``level``:
    down to the inputs that reach them, up to the outputs they reach."""
    edges, L = [], support.depth
    down = set(members)
    for m in range(level, 0, -1):
        mask = support.mask(m)
        below = set()
        for k in down:
            for j in np.flatnonzero(mask[k]):
                edges.append(((m - 1, int(j)), (m, k)))
                below.add(int(j))
        down = below
    up = set(members)
    for m in range(level + 1, L + 1):
        mask = support.mask(m)
        above = set()
        for k in up:
            for i in np.flatnonzero(mask[:, k]):
                edges.append(((m - 1, k), (m, int(i))))
                above.add(int(i))
        up = above
    return edges, down, up


def _c3(support: Support, proof: dict, pic: Picture) -> None:
    """Twin classes of the split layer in colours; the cones (rectangles) of
    two classes that share outputs (or inputs) drawn in full, to show that
    their rectangles do not meet."""
    s, L = proof["split"], support.depth
    before, after = support.mask(s), support.mask(s + 1)     # (N_s, N_s-1), (N_s+1, N_s)
    classes: dict = {}
    for k in range(support.widths[s]):
        classes.setdefault((before[k].tobytes(), after[:, k].tobytes()), []).append(k)
    order = sorted(classes.values())
    colour = {c: PALETTE[c % len(PALETTE)] for c in range(len(order))}
    for c, members in enumerate(order):
        for k in members:
            pic.node_colors[(s, k)] = colour[c]
    pic.split = s
    cones = [_cone(support, s, members) for members in order]
    shown = [0]
    for c in range(1, len(order)):
        if cones[c][2] & cones[0][2] or cones[c][1] & cones[0][1]:
            shown.append(c)
            break
    pair = len(shown) == 2
    if not pair:    # no class meets class 0: draw classes whose rectangles share no end, up to 10
        for c in range(1, len(order)):
            if len(shown) < len(PALETTE) and all(not (cones[c][1] & cones[d][1] or cones[c][2] & cones[d][2])
                                                 for d in shown):
                shown.append(c)
    for c in reversed(shown):
        edges, ins, outs = cones[c]
        for e in edges:
            pic.edge_colors[e], pic.edge_widths[e] = colour[c], 2.2
        for j in ins:
            pic.node_colors[(0, j)] = colour[c]
        for i in outs:
            pic.node_colors[(L, i)] = colour[c]
    if pair:                  # ends both rectangles use (only inputs or only outputs: C3 holds)
        a, b = shown
        for j in cones[a][1] & cones[b][1]:
            pic.node_colors[(0, j)] = BOTH
        for i in cones[a][2] & cones[b][2]:
            pic.node_colors[(L, i)] = BOTH
    name = lambda c: ", ".join(f"{s}:{k}" for k in order[c])   # noqa: E731
    sides = lambda c: f"inputs {_some(cones[c][1])} x outputs {_some(cones[c][2])}"   # noqa: E731
    more = _splits(proof)[1:]
    pic.caption += [
        f"Rule C3 splits the chain at layer {s} (dotted line): its {support.widths[s]} units fall into "
        f"{len(order)} twin class(es) (same inputs from layer {s - 1} and same outputs to layer {s + 1}; "
        f"coloured by class, colours repeat after {len(PALETTE)}).",
        "C3 needs the rectangles of the classes (the inputs that reach a class x the outputs it "
        "reaches) to be pairwise disjoint, and both sides of the split closed"
        + (f" (proved by further C3 splits at layer(s) {', '.join(map(str, more))})." if more else "."),
    ]
    if pair:
        a, b = shown
        shared = "outputs" if cones[a][2] & cones[b][2] else "inputs"
        pic.caption.append(
            f"Drawn in full: the paths through class {{{name(a)}}} ({sides(a)}) and class "
            f"{{{name(b)}}} ({sides(b)}); they share {shared}, yet their rectangles do not meet"
            f" ({shared} both use in grey).")
    else:
        pic.caption.append(
            f"Drawn in full: the paths through class {{{name(0)}}} ({sides(0)})"
            + (f" and {len(shown) - 1} more class(es) in their colours" if len(shown) > 1 else "")
            + "; no other class shares an input or an output with class {" + name(0) + "}.")
    pic.legend += [("node", PALETTE[0], None, f"twin classes at layer {s} (colours)"),
                   ("line", PALETTE[0], "solid", "paths through a class (its rectangle)"),
                   ("line", GREY, "dotted", f"C3 split at layer {s}")]


def _closed(support: Support, proof: dict, pic: Picture) -> None:
    rule = proof["rule"]
    if rule == "C3":
        _c3(support, proof, pic)
    elif rule == "components":
        for c, part in enumerate(proof["parts"]):
            colour = PALETTE[c % len(PALETTE)]
            nodes = {_node(x) for x in part["nodes"]}
            for v in nodes:
                pic.node_colors[v] = colour
            for l in range(1, support.depth + 1):
                for i, j in zip(*np.nonzero(support.mask(l))):
                    e = ((l - 1, int(j)), (l, int(i)))
                    if e[0] in nodes:
                        pic.edge_colors[e], pic.edge_widths[e] = colour, 2.0
        pic.caption.append(f"The chain falls into {len(proof['parts'])} connected components (one colour "
                           "each), each closed; so is their product set.")
        pic.legend.append(("node", PALETTE[0], None, "connected component (one colour each)"))
    elif rule == "reduce":
        groups = next((st["components"] for st in reversed(proof["steps"]) if st["rule"] == "R6"), [])
        comps = [c["rule"] for c in proof["components"]]
        colour_of = {}
        for c, nodes in enumerate(groups):
            for x in nodes:
                colour_of[_node(x)] = PALETTE[c % len(PALETTE)]
        _core(support, proof["core"], pic, lambda v: colour_of.get(v, GREEN))
        parts = "; ".join(f"component {c} ({COLOUR_NAMES[c % len(PALETTE)]}): {r}, {COMPONENT_RULE_TEXT[r]}"
                          for c, r in enumerate(comps))
        pic.caption.append("Exact reductions (R1-R6) leave the reduced core drawn in colour, one colour "
                           "per connected component; "
                           + (f"each is closed: {parts}." if comps else "it has no hidden unit (C0)."))
        _free_entries(proof["core"], pic)
        pic.legend += [("node", PALETTE[0], None, "hidden unit of the reduced core"),
                       ("line", PALETTE[0], "solid", "edge of the reduced core")]
        if pic.arcs:
            pic.legend.append(("line", PALETTE[0], "dashed", "edge created by the reductions"))
    else:
        pic.caption.append("A single mask: its product set is a coordinate subspace (C0), closed.")


def _core(support: Support, core: dict, pic: Picture, colour) -> None:
    """Core edges between consecutive layers are coloured in place; edges the
    reductions created (skipping layers) become arcs.  Units the reductions
    removed are faded.  ``colour(node)`` picks a node's (and its edges') colour."""
    L = support.depth
    hidden = {_node(x) for x in core["hidden"]}
    for h in hidden:
        pic.node_colors[h] = colour(h)
    kept = hidden | {_node(x) for x in core["sources"] + core["sinks"]}
    pic.faded |= {(l, k) for l in range(L + 1) for k in range(support.widths[l])} - kept
    for a, b in core["edges"]:
        u, v = _node(a), _node(b)
        c = colour(v if v in hidden else u)
        if v[0] == u[0] + 1 and support.mask(v[0])[v[1], u[1]]:
            pic.edge_colors[(u, v)], pic.edge_widths[(u, v)] = c, 2.2
        else:
            pic.arcs.append((u, v, c, "dashed", None))


def _free_entries(core: dict, pic: Picture) -> None:
    free = core["dont_care"]
    if free:
        shown = ", ".join(f"({_node(q)[1]},{_node(p)[1]})" for q, p in free[:8])
        pic.caption.append(f"Entries (output, input) the reductions made free (any value): {shown}"
                           + (f" and {len(free) - 8} more." if len(free) > 8 else "."))


def _unknown(support: Support, d, pic: Picture) -> None:
    core = d.core
    _core(support, core, pic, lambda v: PURPLE)
    pic.caption.append(
        f"No rule of this version decides this support; nothing is claimed. Purple: the reduced core "
        f"left after exact reductions ({len(core['hidden'])} hidden unit(s), {len(core['edges'])} "
        "edge(s)" + ("; dashed arcs are edges the reductions created" if pic.arcs else "") + ")."
        + (" Faded units were removed by the reductions." if pic.faded else ""))
    _free_entries(core, pic)
    pic.legend += [("node", PURPLE, None, "hidden unit of the reduced core"),
                   ("line", PURPLE, "solid", "edge of the reduced core")]
    if pic.arcs:
        pic.legend.append(("line", PURPLE, "dashed", "edge created by the reductions"))


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------

def plan(support: Support, d, name: str) -> Picture:
    verdict = d.verdict.replace("_", " ")
    pic = Picture(title=f"{name}: {support.describe()} - {verdict}")
    proof = d.certificate["proof"] if d.certificate else None
    if d.internal_error is not None:
        pic.caption.append("The engine's certificate was rejected by the checker; nothing is claimed.")
    elif d.verdict == "not_closed":
        _not_closed(support, proof, pic)
    elif d.verdict == "closed":
        _closed(support, proof, pic)
    else:
        _unknown(support, d, pic)
    return pic


def graph(support: Support) -> nx.DiGraph:
    G = nx.DiGraph()
    for l, w in enumerate(support.widths):
        G.add_nodes_from(((l, k) for k in range(w)), layer=l)
    for l in range(1, support.depth + 1):
        rows, cols = np.nonzero(support.mask(l))
        G.add_edges_from(((l - 1, int(j)), (l, int(i))) for i, j in zip(rows, cols))
    return G


def render(support: Support, pic: Picture, path: str) -> None:
    require_matplotlib()
    # A bare Figure, not pyplot: no global backend or figure state is touched.
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    G = graph(support)
    layers = {l: [(l, k) for k in range(w)] for l, w in enumerate(support.widths)}
    pos = nx.multipartite_layout(G, subset_key=layers, align="horizontal")
    widest, L = max(support.widths), support.depth
    labels = len(G) <= LABEL_NODES
    width_in = min(18.0, max(8.0, 0.42 * widest + 3))
    caption = [textwrap.fill(c, width=int(width_in * 13)) for c in pic.caption]
    height_in = min(14.0, max(4.0, 1.25 * (L + 1)))
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.subplots()
    node_size = 300 if labels else max(12, int(9000 / max(widest, 1) ** 1.3))

    plain = [e for e in G.edges if e not in pic.edge_colors]
    nx.draw_networkx_edges(G, pos, edgelist=plain, ax=ax, edge_color=LIGHT, width=0.8, arrows=False)
    # Red (diverging) entries last, so on top.
    marked = sorted(pic.edge_colors, key=lambda e: (pic.edge_colors[e] == RED, pic.edge_widths.get(e, 2.0)))
    nx.draw_networkx_edges(G, pos, edgelist=marked, ax=ax, arrows=False,
                           edge_color=[pic.edge_colors[e] for e in marked],
                           width=[pic.edge_widths.get(e, 2.0) for e in marked])
    for u, v, colour, style, label in pic.arcs:
        nx.draw_networkx_edges(G, pos, edgelist=[(u, v)], ax=ax, edge_color=colour, style=style,
                               width=1.6, arrows=True, arrowstyle="-|>", arrowsize=10,
                               connectionstyle=ARC, node_size=node_size)
        if label and labels:
            nx.draw_networkx_edge_labels(G, pos, edge_labels={(u, v): label}, ax=ax, font_size=7,
                                         font_color=colour, connectionstyle=ARC, label_pos=0.3,
                                         bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                               "ec": "none", "alpha": 0.85})
    nodes = list(G.nodes)
    fill = [pic.node_colors.get(v, "#f2f2f2" if v in pic.faded else "white") for v in nodes]
    border = ["#c8c8c8" if v in pic.faded and v not in pic.node_colors else "#333333" for v in nodes]
    nx.draw_networkx_nodes(G, pos, nodelist=nodes, ax=ax, node_color=fill, edgecolors=border,
                           node_size=node_size, linewidths=0.8 if labels else 0.4)
    if labels:
        nx.draw_networkx_labels(G, pos, labels={v: str(v[1]) for v in nodes}, ax=ax, font_size=7)

    xs = [p[0] for p in pos.values()]
    left = min(xs) - 0.08 * (max(xs) - min(xs) + 1e-9) - 0.05
    for l in range(L + 1):
        y = pos[(l, 0)][1]
        name = "inputs" if l == 0 else "outputs" if l == L else "hidden"
        ax.text(left, y, f"layer {l}\n({name})", ha="right", va="center", fontsize=8)
    if pic.split is not None:
        y = pos[(pic.split, 0)][1]
        ax.axhline(y, color=GREY, linestyle=":", linewidth=1.2, zorder=0)

    handles = []
    for kind, colour, style, label in pic.legend:
        if kind == "line":
            handles.append(Line2D([0], [0], color=colour, linestyle=style, linewidth=2.5, label=label))
        else:
            handles.append(Line2D([0], [0], marker="o", color="w", markerfacecolor=colour,
                                  markeredgecolor="#333333", markersize=9, label=label))
    handles.append(Line2D([0], [0], color=LIGHT, linewidth=1.5, label="allowed weight (mask entry)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_title(pic.title, fontsize=11)
    ax.margins(x=0.06, y=0.08)
    ax.axis("off")
    # Caption under the graph; bbox_inches="tight" makes room for it and the legend.
    ax.text(0.0, -0.02, "\n".join(caption), transform=ax.transAxes, fontsize=8.5, va="top", ha="left")
    _save(fig, path)


def _save(fig, path: str) -> None:
    """Through a temporary file of the same kind, then renamed: never half a picture."""
    folder, suffix = os.path.dirname(os.path.abspath(path)), os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix=".certify-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", pad_inches=0.25)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes 0600; use the usual mode
        os.replace(tmp, path)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def check_output(path: str, source: str | None = None) -> None:
    """Before any work: a .png/.pdf/.svg file in an existing folder, neither
    the support file ``source`` nor a device or FIFO (renaming over one would
    replace it)."""
    if os.path.isdir(path):
        raise InputError(f"cannot write {path}: it is a folder")
    if os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode):
        raise InputError(f"cannot write {path}: it exists and is not a regular file")
    if source and os.path.isfile(source) and os.path.realpath(source) == os.path.realpath(path):
        raise InputError(f"-o would overwrite the input {source}; choose another place")
    if not path.lower().endswith((".png", ".pdf", ".svg")):
        raise InputError(f"-o {path}: name a .png, .pdf or .svg file")
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise InputError(f"cannot write {path}: its folder does not exist")


def draw(support: Support, path: str, name: str, progress=None):
    """Decide ``support``, draw it to ``path`` and return (decision, picture)."""
    from .engine import decide
    check_output(path, name)
    check_size(support)
    require_matplotlib()
    d = decide(support, progress=progress) if progress else decide(support)
    pic = plan(support, d, name)
    if progress:
        progress("drawing")
    render(support, pic, path)
    return d, pic
