"""Reading an HTTP response body fast, in large blocks.

Oxigraph's server streams results as chunked transfer encoding in pieces of about 1 KB.
``http.client`` decodes that one chunk per call, with a ``readline`` per chunk header: a
370 KB result takes some 360 Python-level round trips. ``BodyReader`` instead reads up to
256 KB from the socket at a time and cuts the chunk framing out with ``bytes.find``, so the
relay's cost no longer grows with the number of chunks.

The reader takes over the response's buffered socket file; once it has returned the end of
the body the response is closed, which leaves the keep-alive connection free for the next
request (the body was consumed exactly to its last byte).
"""

from __future__ import annotations

import http.client
import io

BLOCK = 1 << 18


class BodyReader:
    """``read()`` gives the next decoded bytes of ``response``'s body, b"" at its end."""

    def __init__(self, response: http.client.HTTPResponse):
        self.response = response
        self.chunked = bool(response.chunked)
        self.left = response.length  # Content-Length bodies: bytes still to come
        self._buffer = b""
        self._chunk_left = 0  # bytes of the current chunk not yet returned
        self._skip_crlf = False  # the CRLF after a chunk's data is due
        self._done = False

    def read(self) -> bytes:
        if self._done:
            return b""
        if not self.chunked:
            return self._read_plain()
        while True:
            out = self._decode()
            if out or self._done:
                if self._done:
                    self.response.close()
                return out
            data = self._fp().read1(BLOCK)
            if not data:
                raise http.client.IncompleteRead(self._buffer)
            self._buffer += data

    def _fp(self) -> io.BufferedIOBase:
        fp = self.response.fp
        if fp is None:
            raise http.client.IncompleteRead(b"")
        return fp

    def _read_plain(self) -> bytes:
        if self.left == 0:
            self._done = True
            self.response.close()
            return b""
        size = BLOCK if self.left is None else min(BLOCK, self.left)
        data = self._fp().read1(size)
        if not data:
            if self.left is not None:
                raise http.client.IncompleteRead(b"")
            self._done = True
            self.response.close()
            return b""
        if self.left is not None:
            self.left -= len(data)
        return data

    def _decode(self) -> bytes:
        """Payload found in the buffer so far (possibly b"" if more input is needed).

        Written for speed: one pass, local names, no per-chunk attribute access.
        """
        buffer = self._buffer
        size_all = len(buffer)
        find = buffer.find
        parts: list[bytes] = []
        append = parts.append
        pos, left, skip = 0, self._chunk_left, self._skip_crlf
        while pos < size_all:
            if left:
                end = pos + left
                if end <= size_all:
                    append(buffer[pos:end])
                    pos, left, skip = end, 0, True
                else:
                    append(buffer[pos:])
                    left -= size_all - pos
                    pos = size_all
                continue
            if skip:
                if size_all - pos < 2:
                    break
                pos += 2
                skip = False
                continue
            end = find(b"\r\n", pos)
            if end < 0:
                break
            size = int(buffer[pos:end].split(b";", 1)[0], 16)
            if size == 0:  # the last chunk; the body ends after the (empty) trailer
                if find(b"\r\n\r\n", end) < 0:
                    break
                self._done = True
                pos = size_all
                break
            pos, left = end + 2, size
        self._buffer = buffer[pos:] if pos < size_all else b""
        self._chunk_left, self._skip_crlf = left, skip
        return b"".join(parts)


def read_all(response: http.client.HTTPResponse) -> bytes:
    """The whole body (``response.read()``, without its per-chunk cost)."""
    reader = BodyReader(response)
    parts = []
    while chunk := reader.read():
        parts.append(chunk)
    return b"".join(parts)
