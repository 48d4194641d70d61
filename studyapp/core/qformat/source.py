"""Turn a file's bytes into lines, with the size limit and the UTF-8 check every format shares."""

from __future__ import annotations

from .model import Problem

#: Files larger than this are refused unread.
MAX_BYTES = 1024 * 1024
BOM = "\ufeff"


def decode(data: str | bytes, filename: str) -> tuple[str, None] | tuple[None, Problem]:
    """Return the text of `data` with newlines normalized, or the one problem that stops reading it.

    Exactly one of the pair is set: `(text, None)` or `(None, problem)`.
    """
    size = len(data) if isinstance(data, bytes) else _utf8_size(data)
    if size > MAX_BYTES:
        return None, Problem(
            filename,
            1,
            1,
            f"file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes (1 MB): split it into smaller files",
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, column = _byte_position(data, exc.start)
            return None, Problem(
                filename,
                line,
                column,
                f"not UTF-8: byte 0x{data[exc.start]:02x} cannot start or continue a character "
                "(save the file as UTF-8)",
            )
    else:
        text = data
    if text.startswith(BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def _utf8_size(text: str) -> int:
    """Return the size `text` has as UTF-8, without encoding it when it is plainly small."""
    if len(text) * 4 <= MAX_BYTES:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """Return the 1-based line and character column of the byte at `offset`."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, line_start) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    if line == 1 and data.startswith(b"\xef\xbb\xbf"):
        column -= 1
    return line, column
