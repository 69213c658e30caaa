"""``python -m credstack`` runs the same CLI as the ``credstack`` command."""

from credstack.cli.main import run

if __name__ == "__main__":
    run()
