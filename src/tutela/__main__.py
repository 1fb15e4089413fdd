"""`python -m tutela` is the `tutela` command."""

from tutela.cli.app import main

main()
