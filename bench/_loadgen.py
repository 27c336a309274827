"""A small HTTP/1.1 load generator on asyncio: closed-loop and fixed-rate (open-loop) runs.

One event loop drives every connection, so the generator costs a few percent of one core
where 32 client threads cost most of one (they fight over the interpreter lock, and their
waits land in the measured latency).

- ``closed``: each connection sends its next request as soon as the last answer arrives
  (zero think time), which measures the server at saturation.
- ``fixed_rate``: requests are due at a steady rate, each sent on the first free
  connection; latency runs from the moment a request was due, not from when a connection
  became free, so a stalled server cannot hide its queue (no "coordinated omission").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

#: method, path, headers, body
Request = tuple[str, str, dict[str, str], bytes | None]


@dataclass
class Run:
    """What one load run measured."""

    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Answers per second over the run."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """The ``q`` quantile (0..1) of the latencies, nearest rank."""
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Connection:
    """One client connection, kept alive, or opened again when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, host: str, request: Request) -> int:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.reader, self.writer
        method, path, headers, body = request
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        await writer.drain()
        status_line = await reader.readline()
        status = int(status_line.split()[1])
        length = None
        chunked = closing = False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name.lower() == "connection" and "close" in value.lower():
                closing = True
        if chunked:
            while True:
                size = int((await reader.readline()).strip(), 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await reader.readexactly(length)
        if closing:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _closed(port: int, connections: int, requests: Sequence[Request]) -> Run:
    run = Run()
    conns = [_Connection(port) for _ in range(connections)]
    host = f"127.0.0.1:{port}"

    async def client(conn: _Connection, mine: Sequence[Request]) -> None:
        for request in mine:
            started = time.perf_counter()
            status = await conn.send(host, request)
            run.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status >= 300:
                run.errors.append(f"{request[0]} {request[1]}: {status}")

    started = time.perf_counter()
    await asyncio.gather(*(client(c, requests[i::connections]) for i, c in enumerate(conns)))
    run.seconds = time.perf_counter() - started
    for conn in conns:
        conn.close()
    return run


async def _fixed_rate(port: int, connections: int, requests: Sequence[Request], rate: float) -> Run:
    run = Run()
    conns = [_Connection(port) for _ in range(connections)]
    free: asyncio.Queue[_Connection] = asyncio.Queue()
    for conn in conns:
        free.put_nowait(conn)
    host = f"127.0.0.1:{port}"
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(due: float, request: Request) -> None:
        conn = await free.get()
        try:
            status = await conn.send(host, request)
        finally:
            free.put_nowait(conn)
        run.latencies_ms.append((loop.time() - due) * 1000)
        if status >= 300:
            run.errors.append(f"{request[0]} {request[1]}: {status}")

    tasks = []
    for n, request in enumerate(requests):
        due = start + n / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, request)))
    await asyncio.gather(*tasks)
    run.seconds = loop.time() - start
    for conn in conns:
        conn.close()
    return run


def closed(port: int, connections: int, requests: Sequence[Request]) -> Run:
    """Send ``requests`` over ``connections`` keep-alive connections, back to back."""
    return asyncio.run(_closed(port, connections, requests))


def fixed_rate(port: int, connections: int, requests: Sequence[Request], rate: float) -> Run:
    """Send ``requests`` at ``rate`` per second over at most ``connections`` at once."""
    return asyncio.run(_fixed_rate(port, connections, requests, rate))
