"""Every command's --help shows a real example; unknown pattern names list the valid ones."""

import contextlib
import io
import shlex

import pytest

from certify.cli import build_parser, main
from certify.patterns import CATALOGUE

COMMANDS = ("decide", "check", "pattern", "demo", "optimum", "member", "train", "model")


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def help_text(command):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as e:
        build_parser().parse_args([command, "--help"])
    assert e.value.code == 0
    return out.getvalue()


def examples(text):
    """The 'certify ...' lines after the 'example(s):' heading, split on '&&'."""
    lines = text.split("\nexample")[1].splitlines()[1:]
    found = []
    for line in lines:
        if not line.startswith("  certify "):
            break
        found += [shlex.split(part) for part in line.split("&&")]
    return found


def test_the_commands_are_all_covered():
    assert set(COMMANDS) <= set(subcommands())


@pytest.mark.parametrize("command", subcommands())
def test_help_shows_an_example_that_parses(command):
    found = examples(help_text(command))
    assert any(argv[1] == command for argv in found), (command, found)
    for argv in found:
        assert argv[0] == "certify"
        args = build_parser().parse_args(argv[1:])     # would exit 2 on a bad example
        assert args.command == argv[1]


def test_the_decide_and_pattern_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for argv in examples(help_text("pattern")) + examples(help_text("decide"))[:1]:
        assert main(argv[1:]) == 0, argv
    assert (tmp_path / "monarch.json").exists() and (tmp_path / "lu4.json").exists()
    assert main(["check", "lu4.json"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("argv", [["decide", "butterfy:8"], ["pattern", "Lu:3"], ["decide", "lu4"],
                                  ["optimum", "foo:2"]])
def test_unknown_pattern_names_list_the_valid_ones(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    for usage, _ in CATALOGUE.values():
        assert usage in err, (usage, err)


def test_a_misspelt_pattern_gets_a_suggestion(capsys):
    main(["decide", "butterfy:8"])
    assert "did you mean butterfly?" in capsys.readouterr().err
    main(["pattern", "zzz:3"])
    assert "did you mean" not in capsys.readouterr().err
