"""`python -m rekap` runs the CLI."""

from rekap.cli.main import app

app()
