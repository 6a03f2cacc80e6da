"""Bytes and header values -> text, never failing and never losing a character.

The declared charset is tried, then UTF-8, then a detected one (long non-Western
texts only) and cp1252. ASCII and latin-1 declarations are read as cp1252, as
browsers do. Header values are unfolded, raw 8-bit bytes decoded, RFC 2047
encoded words decoded (adjacent words of one charset together) and control
characters removed.
"""

import binascii
import codecs
import re

from charset_normalizer import from_bytes

_HEAD_SCAN = 65536
_ENCODED_WORD = re.compile(r"=\?([!->@-~]+)\?([bBqQ])\?([!->@-~]*)\?=")  # ASCII only
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
FOLD = re.compile(r"\r?\n(?=[ \t])")
_READ_AS_CP1252 = ("ascii", "iso8859-1")  # codecs.lookup names
_WESTERN = ("ascii", "cp1252", "iso8859-1", "iso8859-15", "mac-roman", "cp850")
_NOT_TEXT_CODECS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
_CHARSET_ALIASES = {"ks_c_5601-1987": "cp949", "iso-8859-8-i": "iso-8859-8", "x-sjis": "shift_jis"}
_DETECT_MIN_NON_ASCII = 32
_ASCII_BYTES = bytes(range(128))


def _codec(charset: str | None) -> str | None:
    """A usable text codec for a declared charset, or None."""
    name = (charset or "").strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_TEXT_CODECS:
        return None
    return "cp1252" if info.name in _READ_AS_CP1252 else info.name


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, str | None]:
    """(text, warning): ``data`` decoded, never failing, by the declared charset when
    it fits, else UTF-8, else a guess; the warning says when the declaration was wrong.

    ASCII and latin-1 declarations are read as cp1252 (as browsers do), after UTF-8:
    valid UTF-8 with non-ASCII bytes is UTF-8 whatever the label says.
    """
    if data.isascii():
        return data.decode("ascii"), None
    declared = _codec(charset)
    tries = ["utf-8", "cp1252"] if declared == "cp1252" else [declared or "utf-8", "utf-8"]
    for codec in tries:
        try:
            text, used = data.decode(codec), codec
            break
        except UnicodeDecodeError:
            continue
    else:
        text, used = _guess(data)
    if charset and used != declared:
        return text, f"text declared as {charset} is not: read as {used}"
    return text, None


def _guess(data: bytes) -> tuple[str, str]:
    """Not UTF-8: a detected charset for long non-Western text, else cp1252."""
    non_ascii = len(data[:_HEAD_SCAN].translate(None, _ASCII_BYTES))
    if non_ascii >= _DETECT_MIN_NON_ASCII:
        best = from_bytes(data[:_HEAD_SCAN]).best()
        if best is not None and codecs.lookup(best.encoding).name not in _WESTERN:
            return data.decode(best.encoding, "replace"), best.encoding
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _word_bytes(encoding: str, payload: str) -> bytes:
    raw = payload.encode("ascii", "surrogateescape")
    try:
        if encoding in "bB":
            return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
        return binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        return raw


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded: the space between two words is dropped, and
    adjacent words of one charset are decoded together (a character may span them)."""
    pieces: list[str | tuple[str, bytes]] = []  # plain text, or (charset, encoded bytes)
    pos = 0
    for word in _ENCODED_WORD.finditer(value):
        gap = value[pos : word.start()]
        if gap and not (gap.isspace() and pieces and isinstance(pieces[-1], tuple)):
            pieces.append(gap)
        charset = word.group(1).split("*")[0].lower()  # RFC 2231 language tag dropped
        data = _word_bytes(word.group(2), word.group(3))
        last = pieces[-1] if pieces else None
        if isinstance(last, tuple) and last[0] == charset:
            pieces[-1] = (charset, last[1] + data)
        else:
            pieces.append((charset, data))
        pos = word.end()
    pieces.append(value[pos:])
    return "".join(p if isinstance(p, str) else decode_bytes(p[1], p[0])[0] for p in pieces)


def decode_header_value(raw: str) -> str:
    """One header value as text: unfolded, 8-bit and RFC 2047 decoded, controls removed."""
    if raw.isascii() and raw.isprintable() and "=?" not in raw:  # most values: spaces only
        return " ".join(raw.split()) if "  " in raw or raw[:1] == " " or raw[-1:] == " " else raw
    value = FOLD.sub("", raw)
    if not value.isascii():  # raw 8-bit bytes, kept by the parser as surrogates
        try:
            value = decode_bytes(value.encode("utf-8", "surrogateescape"))[0]
        except UnicodeEncodeError:  # a lone surrogate of another origin: never kept
            value = value.encode("utf-8", "replace").decode("utf-8")
    if "=?" in value:
        value = _decode_words(value)
    return " ".join(_CONTROL.sub(" ", value).split())
