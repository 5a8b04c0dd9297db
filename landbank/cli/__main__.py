"""``python -m landbank.cli``: the same as the ``landbank`` command."""

from landbank.cli import main

main()
