"""The `inspector` command line: a thin click layer over the library (DESIGN section 4).

Each command lives in its own module and registers itself on `main` when imported. Command
modules import heavy dependencies (mitmproxy, Qt) inside the command body, so that
`inspector requests` never pays for loading a proxy or a GUI toolkit.
"""

# Importing a command module registers its commands on `main`; `export` (the group) comes
# before the modules that attach subcommands to it.
from inspector.cli import (  # noqa: F401
    capture,  # capture
    compare,  # compare BASE [HEAD]
    config,  # config check
    contract,  # openapi, drift
    demo,  # demo --generate
    export,  # the export group
    export_files,  # export har, export ndjson
    export_services,  # export readme, apitally, otlp, elasticsearch
    gui,  # gui, the default command
    import_,  # import
    mcp,  # mcp (the agent interface)
    query,  # requests, stats
    run,  # run -- COMMAND
)
from inspector.cli.app import main

__all__ = ["main"]
