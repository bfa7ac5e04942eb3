"""docs/tutorial.md cannot rot: its commands are re-run and their outputs
compared with the ones shown.

Convention (also stated at the top of the tutorial):

* Only ```console blocks run. In them a line starting with ``$ `` is a command
  (run with bash); the lines after it, up to the next ``$ `` line or the end
  of the block, are its standard output, exactly. Other blocks (```sh, ```yaml)
  are shown, not run: the install step, the CI file.
* Every command must exit 0; a command that is meant to fail shows its exit
  status itself (``...; echo "exit status $?"``) and redirects its error
  message (``2>&1``) when the message is part of the shown output.
* All commands run in order in one fresh temporary folder, so a later command
  can read what an earlier one wrote. ``certify`` and ``python`` are this
  interpreter (``python -m certify``).
* A block right after the line ``<!-- needs matplotlib -->`` is skipped when
  matplotlib (the ``plot`` extra) is not installed.
* The one normalisation: durations ``<digits>.<digits> s`` become ``<time> s``
  on both sides. Trailing spaces are ignored. Nothing else is.

``python tests/test_tutorial.py --write`` re-runs the tutorial and writes the
real outputs into it (then read the diff before committing).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
NEEDS_MATPLOTLIB = "<!-- needs matplotlib -->"
DURATION = re.compile(r"\d+\.\d+ s\b")


@dataclass
class Command:
    line: int            # 1-based line of the command in the tutorial
    text: str
    expected: list[str]  # output lines as shown


@dataclass
class Block:
    line: int
    needs_matplotlib: bool
    commands: list[Command]


def parse(text: str) -> list[Block]:
    blocks, lines, k = [], text.split("\n"), 0
    while k < len(lines):
        if lines[k].strip() == "```console":
            needs = k > 0 and lines[k - 1].strip() == NEEDS_MATPLOTLIB
            block, k = Block(k + 1, needs, []), k + 1
            while lines[k].strip() != "```":
                if lines[k].startswith("$ "):
                    block.commands.append(Command(k + 1, lines[k][2:], []))
                else:
                    assert block.commands, f"tutorial line {k + 1}: output before any command"
                    block.commands[-1].expected.append(lines[k])
                k += 1
            blocks.append(block)
        k += 1
    return blocks


def normalise(lines: list[str]) -> list[str]:
    return [DURATION.sub("<time> s", line.rstrip()) for line in lines]


def environment(folder: Path) -> dict:
    """``certify`` and ``python`` on PATH mean this interpreter and this checkout."""
    bin_dir = folder / ".bin"
    bin_dir.mkdir()
    for name, args in (("certify", "-m certify"), ("python", "")):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {args} "$@"\n')
        shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTIFY_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["MPLBACKEND"] = "Agg"
    return env


def run(command: Command, folder: Path, env: dict) -> tuple[int, list[str], str]:
    r = subprocess.run(["bash", "-c", command.text], cwd=folder, env=env, capture_output=True,
                       text=True, timeout=300)
    out = r.stdout.split("\n")
    if out and out[-1] == "":
        out.pop()
    return r.returncode, out, r.stderr


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


BLOCKS = parse(TUTORIAL.read_text())


@pytest.fixture(scope="module")
def workspace():
    with tempfile.TemporaryDirectory(prefix="certify-tutorial-") as d:
        folder = Path(d)
        yield {"folder": folder, "env": environment(folder), "done": 0}


def test_the_tutorial_has_commands():
    commands = [c.text for b in BLOCKS for c in b.commands]
    assert len(commands) >= 10
    for needed in ("certify decide", "certify check", "certify optimum", "certify train",
                   "certify draw"):
        assert any(c.startswith(needed) for c in commands), needed


def test_the_pictures_the_tutorial_and_readme_show_exist():
    for page in (TUTORIAL, ROOT / "README.md"):
        for link in re.findall(r"\]\(([^)\s]+\.png)\)", page.read_text()):
            assert (page.parent / link).is_file(), f"{page.name} links the missing {link}"


def _replay(block: Block, workspace: dict) -> None:
    for command in block.commands:
        code, out, err = run(command, workspace["folder"], workspace["env"])
        where = f"docs/tutorial.md line {command.line}: $ {command.text}"
        assert code == 0, f"{where}\nexit status {code}\n{err}"
        assert normalise(out) == normalise(command.expected), where


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"line{b.line}" for b in BLOCKS])
def test_tutorial_block(index, workspace):
    # Blocks build on each other's files: run any earlier block not run yet
    # (e.g. deselected with -k) first.
    while workspace["done"] <= index:
        block = BLOCKS[workspace["done"]]
        workspace["done"] += 1
        if block.needs_matplotlib and not has_matplotlib():
            if block is BLOCKS[index]:
                pytest.skip("needs matplotlib (the plot extra)")
            continue
        _replay(block, workspace)


def write() -> None:
    """Replace every shown output in the tutorial by the real one."""
    lines = TUTORIAL.read_text().split("\n")
    with tempfile.TemporaryDirectory(prefix="certify-tutorial-") as d:
        folder = Path(d)
        env = environment(folder)
        # Edit from the last command up, so earlier line numbers stay valid;
        # but run from the first command down.
        results = []
        for block in BLOCKS:
            for c in block.commands:
                code, out, err = run(c, folder, env)
                if code != 0:
                    sys.exit(f"line {c.line}: $ {c.text}\nexit status {code}\n{err}")
                results.append((c, out))
        for c, out in reversed(results):
            start = c.line            # index of the first output line (0-based)
            lines[start:start + len(c.expected)] = out
    TUTORIAL.write_text("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_tutorial.py --write")
    write()
