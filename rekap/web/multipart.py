"""A `multipart/form-data` body, already read whole by the guard, cut into its parts: each part's bytes are one
slice of the body (found by searching for the boundary, which RFC 2046 guarantees no part contains), with no
spooling to temporary files and no second pass over a photo's bytes."""

from __future__ import annotations

from dataclasses import dataclass

from python_multipart.multipart import parse_options_header

from rekap.domain.errors import InvalidInput

MAX_HEADER_BYTES = 8 * 1024  # the headers of one part
FORM_DATA = "multipart/form-data"


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    content_type: str | None
    data: bytes


def is_form_data(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == FORM_DATA


def _malformed(detail: str) -> InvalidInput:
    return InvalidInput(f"malformed multipart/form-data body: {detail}", field="body")


def _boundary(content_type: str) -> bytes:
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary", b"")
    if not 1 <= len(boundary) <= 70:
        raise _malformed("the Content-Type names no boundary (of 1 to 70 characters)")
    return boundary


def _headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            raise _malformed(f"a part's header line {line[:40]!r} is not 'Name: value'")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return headers


def _part(headers: dict[str, str], data: bytes) -> Part:
    disposition, options = parse_options_header(headers.get("content-disposition", ""))
    name = options.get(b"name")
    if disposition != b"form-data" or name is None:
        raise _malformed("a part has no Content-Disposition: form-data; name=…")
    content_type = headers.get("content-type")
    return Part(name.decode("utf-8", "replace"), content_type, data)


def parts_of(body: bytes, content_type: str, max_parts: int) -> list[Part]:
    """The parts of the body, in order; a body that is not well-formed, or has more than `max_parts` parts, is
    refused (422) rather than read as far as it goes."""
    delimiter = b"--" + _boundary(content_type)
    between = b"\r\n" + delimiter
    if body.startswith(delimiter):
        at = len(delimiter)
    else:  # a preamble before the first boundary is allowed, and ignored
        found = body.find(between)
        if found < 0:
            raise _malformed("the boundary never occurs")
        at = found + len(between)
    parts: list[Part] = []
    while True:
        if body.startswith(b"--", at):
            return parts  # the closing boundary; anything after it is the epilogue
        eol = body.find(b"\r\n", at, at + 80)
        if eol < 0 or body[at:eol].strip(b" \t"):
            raise _malformed("a boundary is not followed by a line end")
        start = eol + 2
        end = body.find(between, start)
        if end < 0:
            raise _malformed("the body ends before its closing boundary")
        if len(parts) == max_parts:
            raise InvalidInput(f"more than {max_parts} parts", field="body")
        if body.startswith(b"\r\n", start):
            headers, data_at = {}, start + 2  # a part without headers
        else:
            blank = body.find(b"\r\n\r\n", start, min(end, start + MAX_HEADER_BYTES))
            if blank < 0:
                raise _malformed("a part's headers do not end with a blank line")
            headers, data_at = _headers(body[start:blank]), blank + 4
        parts.append(_part(headers, body[data_at:end]))
        at = end + len(between)
