"""The agent interface: a Model Context Protocol server over a capture, read-only, answering
with aggregates first and rows and bodies on request."""
