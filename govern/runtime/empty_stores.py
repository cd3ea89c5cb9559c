"""Empty, migrated databases kept in the user's cache, one per library version, so a
new project copies one instead of running every migration again.

Prefect's database (114 migrations, then block registration) and MLflow's (its whole
schema, migration by migration) cost seconds to build and are identical in every new
project, up to the few values a store writes about its own location.  The first new
project on a machine builds them as the library does and keeps a copy here
(``~/.cache/govern``; ``XDG_CACHE_HOME`` moves it); the next ones start from it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from importlib.metadata import version
from pathlib import Path


def cached(library: str) -> Path:
    """Where the empty database of the installed ``library`` version is kept."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "govern" / f"{library}-{version(library)}.db"


def keep(database: Path, library: str, prepare=None) -> None:
    """Copy ``database`` (just built, not used yet) to the cache unless a copy is there;
    ``prepare(connection)`` may then generalise the copy.  A failure keeps nothing."""
    template = cached(library)
    if not template.exists() and database.exists():
        _backup(database, template, prepare)


def copy(library: str, database: Path, adapt=None) -> bool:
    """Start ``database`` from the cached empty one; ``adapt(connection)`` then fills in
    what belongs to this project.  False (and nothing written) when there is none."""
    template = cached(library)
    return template.exists() and not database.exists() and _backup(template, database, adapt)


def _backup(source: Path, target: Path, change=None) -> bool:
    """SQLite's online backup of ``source`` into a partial file beside ``target``, changed by
    ``change(connection)``, then moved into place in one step; False and nothing left on failure."""
    partial = target.with_suffix(f".{os.getpid()}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(partial)) as copied:
            origin.backup(copied)
            if change is not None:
                with copied:
                    change(copied)
        partial.replace(target)
    except (OSError, sqlite3.Error, ValueError):
        partial.unlink(missing_ok=True)
        return False
    return True
