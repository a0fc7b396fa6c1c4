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


def test_the_command_returns_mains_exit_status_and_spares_the_last_collection(tmp_path):
    """``console`` (the installed command and ``python -m wav2sleep``) exits with ``main``'s status, its objects
    frozen so that ending the process skips a garbage collection over all of them."""
    code = ("import gc, sys; from wav2sleep.cli.main import console; "
            f"sys.argv = ['wav2sleep', 'stage', {str(tmp_path / 'absent.edf')!r}, '--model', {str(tmp_path)!r}]; "
            "status = console(); print(status, gc.get_freeze_count() > 0)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["2", "True"]
    assert "no config.yaml" in done.stderr  # main's own error line for a folder that is no model
