"""Parse untrusted XML so that no entity, DTD or external reference is ever resolved.

Activity files come from strangers. A DOCTYPE can declare an external entity (XXE: the
parser reads `file:///etc/passwd` or fetches a URL and splices it into the document) or a
tree of nested entities (billion laughs: kilobytes that expand to gigabytes). A GPX, TCX or
any real activity file has no use for a DTD, so the only safe policy is to refuse the
document as soon as expat reports a DOCTYPE, before any declaration inside it takes effect.
defusedxml does exactly that with `forbid_dtd`, `forbid_entities` and `forbid_external`.
"""

from __future__ import annotations

import codecs
import re
from xml.etree.ElementTree import Element
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .model import FileRejected

_DECLARED_ENCODING = re.compile(
    rb"""^<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']"""
)
_LEADING_SPACE = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t\r\n]+")


def looks_like_xml(content: bytes) -> bool:
    """Whether the bytes start like an XML document (after an optional BOM and blanks)."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    return content.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<")


def _without_leading_space(content: bytes) -> bytes:
    """Drop blanks before `<?xml`: Strava's TCX exports start with spaces, which expat refuses."""
    return _LEADING_SPACE.sub(b"", content, count=1)


def parse(content: bytes, label: str) -> Element:
    """The root element of `content`, or FileRejected naming what is wrong with the XML.

    `label` ("GPX", "TCX" or "XML") prefixes the problem so the user knows what was read.
    """
    content = _without_leading_space(content)
    try:
        return fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        # Its text names the DTD's system id: a file path or URL we must not echo.
        raise FileRejected(f"{label}: XML entities and DTDs are not allowed") from None
    except ParseError as err:
        line, column = err.position
        reason = expat.ErrorString(err.code) if err.code else "not well-formed"
        raise FileRejected(
            f"{label}: not well-formed XML ({reason}) at line {line}, column {column}"
        ) from None


def decode(content: bytes, label: str) -> str:
    """The document as text, for libraries (gpxpy) that only take str or UTF-8 bytes.

    Call it after `parse` has accepted the same bytes: the encoding is then known to be one
    expat understands, and the text holds no DTD.
    """
    content = _without_leading_space(content)
    if content.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        match = _DECLARED_ENCODING.match(content)
        encoding = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return content.decode(encoding)
    except (LookupError, UnicodeError):
        name = encoding.upper().removesuffix("-SIG")
        raise FileRejected(f"{label}: the text is not valid {name}") from None


def local_name(tag: str) -> str:
    """`{namespace}name` -> `name`: formats are matched by local names, whatever the prefix."""
    return tag.rpartition("}")[2]


def child(element: Element, name: str) -> Element | None:
    """The first direct child with this local name."""
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def child_text(element: Element, name: str) -> str | None:
    """The stripped text of the first direct child with this local name, or None."""
    item = child(element, name)
    text = item.text.strip() if item is not None and item.text else ""
    return text or None
