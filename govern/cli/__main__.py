"""``python -m govern.cli``: the same command line as the ``govern`` console script."""

from govern.cli import app

app()
