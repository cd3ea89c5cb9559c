"""``govern``: the command line. Every command sets up the quiet, offline environment first,
then imports only what it uses; bad input ends with one line on stderr and a non-zero exit."""

from govern.cli import commands, decisions, live, team  # noqa: F401,E402  (each registers its commands on ``app``)
from govern.cli.common import app

__all__ = ["app"]
