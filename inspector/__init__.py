"""API Inspector: capture a local HTTP API's traffic, see who calls it, how fast, what fails."""

__version__ = "0.1.0"
