"""Launching programs whose HTTP(S) goes through a capture: `inspector run` and the app's Intercept.

No Qt and no mitmproxy here: the CLI and the app share it, and it talks to a capture only
through its proxy port (the probe, source-tagged proxy URLs) and mitmproxy's CA file.
"""
