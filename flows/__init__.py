"""Prefect flows: thin wiring of the ``govern`` package's steps."""
