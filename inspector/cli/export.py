"""The `inspector export` group; destinations attach their subcommands from their own modules."""

from __future__ import annotations

from collections.abc import Callable

import click

from inspector.cli.app import main


class ExportGroup(click.Group):
    """Subcommands may be made when first asked for (`lazy`): a service destination's command
    imports its exporter module, which `inspector --help` or `inspector requests` never need."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy: dict[str, Callable[[], click.Command]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.lazy:
            self.add_command(self.lazy.pop(name)(), name)
        return super().get_command(ctx, name)


@main.group("export", cls=ExportGroup)
def export_group() -> None:
    """Send captured exchanges to a hosted service or write them to a file.

    Service destinations (readme, apitally, otlp, elasticsearch) keep a cursor in the database:
    a rerun sends only what is new. File destinations (har, ndjson) write what the filter selects.
    """
