"""A fresh sandbox instance and a real server over it, for the benches that go over HTTP.

``sandbox_env`` makes an instance folder on the SQLite default (development keys, quiet
logs, the per-address rate limit lifted: one loopback address plays every client);
``serving`` starts ``fairfile serve`` on a free port over it, waits until it accepts
connections, yields the port and stops the server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FAIRFILE = str(Path(sys.executable).with_name("fairfile"))


def sandbox_env(prefix: str) -> tuple[Path, dict[str, str]]:
    """Return a new instance folder and the environment that points the CLI at it."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        **os.environ,
        "FAIRFILE_ENV": "development",
        "FAIRFILE_INSTANCE_PATH": str(folder),
        "FAIRFILE_LOG_LEVEL": "WARNING",
        "FAIRFILE_RATE_LIMIT_PER_IP": "1000000/minute",
    }
    env.pop("FAIRFILE_DATABASE_URL", None)
    return folder, env


def free_port() -> int:
    """Return a port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], folder: Path) -> Iterator[int]:
    """Run ``fairfile serve`` over the instance until the block ends; yield its port."""
    port = free_port()
    with (folder / "serve.log").open("w") as log:
        server = subprocess.Popen(
            [FAIRFILE, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
