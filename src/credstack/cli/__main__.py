"""``python -m credstack.cli``: the same as the ``credstack`` command."""

from credstack.cli.main import run

run()
