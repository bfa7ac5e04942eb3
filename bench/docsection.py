"""Shared by the bench scripts: replace one script's section of
docs/benchmarks.md (between its begin/end markers), or append it."""

import pathlib

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(script: str, lines: list[str]) -> None:
    begin, end = f"<!-- bench/{script}: begin -->", f"<!-- bench/{script}: end -->"
    block = "\n".join([begin] + lines + [end])
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)
