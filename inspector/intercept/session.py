"""One interception setup: trust files in a private directory, and environments built on them."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from inspector.intercept.environment import client_environment
from inspector.intercept.tags import proxy_url
from inspector.intercept.trust import TrustFiles, mitmproxy_ca, write_trust_files


class InterceptSession:
    """Trust files for the capture on host:port, deleted (with their directory) on close.

    Raises TrustError when mitmproxy's CA cannot be read from `confdir`.
    """

    def __init__(
        self, host: str, port: int, confdir: Path, environ: Mapping[str, str] | None = None
    ) -> None:
        self.host = host
        self.port = port
        self._environ = dict(os.environ if environ is None else environ)
        ca_pem = mitmproxy_ca(confdir)
        # mkdtemp makes it 0700: nobody else may swap the certificates a program trusts.
        self.directory = Path(tempfile.mkdtemp(prefix="inspector-intercept-"))
        try:
            self.trust: TrustFiles = write_trust_files(self.directory, ca_pem, self._environ)
        except BaseException:
            self.close()
            raise

    def proxy_url(self, source: str | None = None) -> str:
        return proxy_url(self.host, self.port, source)

    def environment(self, source: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for one launched program, tagged with `source`."""
        return client_environment(
            self._environ if base is None else base,
            proxy=self.proxy_url(source),
            host=self.host,
            port=self.port,
            trust=self.trust,
            source=source,
        )

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> InterceptSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
