"""The `inspector` command line: a thin click layer over the library (DESIGN section 4).

Each command lives in its own module and registers itself on `main` when imported. Command
modules import heavy dependencies (mitmproxy, Qt) inside the command body, so that
`inspector requests` never pays for loading a proxy or a GUI toolkit.
"""

# Command modules, one per area; importing registers the commands.
from inspector.cli import export  # noqa: F401  the `export` group
from inspector.cli.app import main

__all__ = ["main"]
