"""ConfigError: a configuration problem, named by its file, line and key path."""

from __future__ import annotations

from pathlib import Path

from inspector.errors import InspectorError

# A key path into the TOML document: table and key names, and 0-based indices into arrays
# (shown 1-based to the user, as they count `[[group]]` tables in their file).
KeyPath = tuple[str | int, ...]


def format_key_path(path: KeyPath) -> str:
    """("group", 1, "id") -> "group[2].id"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            shown = part if part and all(c.isalnum() or c in "_-" for c in part) else f'"{part}"'
            text += f".{shown}" if text else shown
    return text


class ConfigError(InspectorError):
    """A configuration file the user must fix; exit status 2, never a traceback."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        key_path: KeyPath = (),
        file: Path | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.key_path = key_path
        self.file = file
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = ", ".join(
            part
            for part in (
                str(self.file) if self.file else "",
                f"line {self.line}" if self.line else "",
                format_key_path(self.key_path),
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self._render()

    def located(self, file: Path | None, line: int | None) -> ConfigError:
        """The same error, placed in a file (and at a line when one is known)."""
        return ConfigError(self.message, key_path=self.key_path, file=file, line=self.line or line)
