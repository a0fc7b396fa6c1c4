import subprocess
import sys

import wav2sleep
from wav2sleep.cli.main import build_parser, main


def test_version_and_help_list_subcommands(capsys):
    parser = build_parser()
    help_text = parser.format_help()
    assert "COMMAND" in help_text
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"wav2sleep {wav2sleep.__version__}"


def test_console_entry_runs_as_module():
    out = subprocess.run([sys.executable, "-m", "wav2sleep", "--help"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("usage: wav2sleep")


def test_every_subcommand_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.description, name
        assert p.format_help().startswith(f"usage: wav2sleep {name}")
