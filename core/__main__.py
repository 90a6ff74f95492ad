"""``python -m core`` is the ``ledgerbridge`` command."""

from core.cli import main

main()
