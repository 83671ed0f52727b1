"""The base of every error a user can cause or fix: shown as plain sentences, never a traceback."""

from __future__ import annotations


class InspectorError(Exception):
    """An error whose message is complete for the user: it names the file, key or position.

    `exit_code` follows DESIGN section 4: 2 for bad usage or bad input, 1 for run-time failures.
    """

    exit_code = 2
