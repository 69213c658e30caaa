"""Run one ``credstack`` command in-process and capture what it printed."""

from __future__ import annotations

import pytest

from credstack.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``credstack ARGS``."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
