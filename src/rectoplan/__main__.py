"""``python -m rectoplan``: the same command line as the ``rectoplan`` script."""

from rectoplan.cli import main

main()
