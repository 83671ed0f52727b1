"""The PySide6 desktop app: capture control, consumers, live requests, filters and details."""
