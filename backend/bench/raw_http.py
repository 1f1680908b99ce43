"""A lean HTTP/1.1 GET client over asyncio streams, for the load benchmark.

httpx spent 2.5-3 ms of CPU per request, more than the server it measured, and shared the
two cores with it. This client keeps connections alive, writes one prepared request and
reads the status, the headers it needs and the body (Content-Length or chunked), raw.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """Status, the headers asked for (lower-case names) and the body's length in bytes."""

    status: int
    headers: dict[str, str]
    length: int


class ConnectionPool:
    """Keep-alive connections to one host, at most ``limit`` open at a time."""

    def __init__(self, host: str, port: int, headers: dict[str, str], limit: int) -> None:
        self.host, self.port = host, port
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._head = f"Host: {host}:{port}\r\n{lines}\r\n".encode()
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(limit)

    async def get(self, path: str, keep: tuple[str, ...] = ()) -> Answer:
        """GET ``path``; raises OSError or ValueError when the exchange fails.

        An idle connection the server has closed meanwhile (its keep-alive timeout) is
        retried once on a new one, as browsers do.
        """
        async with self._slots:
            while self._idle:
                try:
                    return await self._exchange(self._idle.pop(), path, keep)
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                        raise  # the server had started to answer: not a stale connection
            return await self._exchange(await self._open(), path, keep)

    async def _exchange(
        self,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        path: str,
        keep: tuple[str, ...],
    ) -> Answer:
        reader, writer = connection
        try:
            writer.write(f"GET {path} HTTP/1.1\r\n".encode() + self._head)
            answer, reusable = await _read_answer(reader, keep)
        except BaseException:
            writer.close()
            raise
        if reusable:
            self._idle.append(connection)
        else:
            writer.close()
        return answer

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        """Close every idle connection."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


async def _read_answer(reader: asyncio.StreamReader, keep: tuple[str, ...]) -> tuple[Answer, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    fields = {}
    for line in lines:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if fields.get("transfer-encoding", "").lower() == "chunked":
        length = await _read_chunked(reader)
    else:
        length = int(fields.get("content-length", "0"))
        await reader.readexactly(length)
    kept = {name: fields[name] for name in keep if name in fields}
    return Answer(status, kept, length), fields.get("connection", "").lower() != "close"


async def _read_chunked(reader: asyncio.StreamReader) -> int:
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)  # the chunk and its CRLF
        total += size
        if size == 0:
            return total
