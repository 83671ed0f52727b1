"""InspectorError, the base of every error a user can cause or fix: each kind exits with the code
DESIGN section 4 gives it, 2 for bad usage or input and 1 for run-time failures."""

from __future__ import annotations

import importlib
import pkgutil

import inspector
from inspector.errors import InspectorError


def _every_error_class() -> set[type[InspectorError]]:
    for module in pkgutil.walk_packages(inspector.__path__, "inspector."):
        if module.name != "inspector.__main__":
            importlib.import_module(module.name)
    found: set[type[InspectorError]] = set()
    todo = [InspectorError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo += cls.__subclasses__()
    return found


def test_every_kind_of_user_error_exits_1_or_2() -> None:
    classes = _every_error_class()
    assert len(classes) > 10  # the walk reached the package's error kinds
    wrong = {f"{cls.__module__}.{cls.__qualname__}": cls.exit_code for cls in classes
             if cls.exit_code not in (1, 2)}  # fmt: skip
    assert not wrong


def test_the_message_is_shown_as_given() -> None:
    message = "config.toml, line 3, «grouping»: unknown key"
    assert str(InspectorError(message)) == message
    assert InspectorError(message).exit_code == 2
