"""The demo: a sample API on 127.0.0.1, consumers calling it, and synthetic captures."""
