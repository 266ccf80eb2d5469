"""A minimal keep-alive HTTP/1.1 load client for the benchmarks.

The server and the load share this machine's 2 cores, so the client must cost as
little CPU as possible (httpx costs about as much per request as a small Django
view). Enough for uvicorn's Content-Length responses; nothing more.
"""

from __future__ import annotations

import asyncio
import time


class Conn:
    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> tuple[int, bytes, bytes]:
        extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n" if method == "POST" else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}{headers}\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, head, await self.reader.readexactly(length)

    async def post(self, path: str, body: bytes, headers: str = "") -> tuple[int, bytes]:
        status, _head, answer = await self.request("POST", path, body, headers)
        return status, answer

    def close(self):
        if self.writer:
            self.writer.close()


async def drive_get(port: int, path: str, total: int, concurrency: int) -> tuple[float, list[float], set[int], list]:
    """GET `path` `total` times with `concurrency` keep-alive clients: (seconds, latencies ms, sizes, errors)."""
    remaining = iter(range(total))
    latencies, sizes, errors = [], set(), []
    conns = [Conn(port) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in conns))

    async def worker(conn):
        for _ in remaining:
            t0 = time.perf_counter()
            status, _head, body = await conn.request("GET", path)
            latencies.append((time.perf_counter() - t0) * 1000)
            sizes.add(len(body))
            if status != 200:
                errors.append(status)

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return elapsed, latencies, sizes, errors
