"""Capture: mitmproxy flows into the database (the only package that touches mitmproxy).

Importing this package does not import mitmproxy; the modules that need it do so themselves.
"""
