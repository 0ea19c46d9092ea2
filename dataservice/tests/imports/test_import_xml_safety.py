"""XML that tries to make the parser read files, fetch URLs or blow up is refused unread."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from dataservice.imports import FileRejected, parse_activity

ENTITIES_REFUSED = "XML entities and DTDs are not allowed"
_opened: list[str] = []
_watching: set[str] = set()


def _audit(event: str, args: tuple) -> None:
    """Record every attempt to open a watched path (audit hooks cannot be removed)."""
    if event == "open" and _watching and str(args[0]) in _watching:
        _opened.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def secret_file(tmp_path):
    """A file whose content must never reach the import, and a record of its opening."""
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT-4f1c\n")
    _opened.clear()
    _watching.add(str(path))
    yield path
    _watching.discard(str(path))


def _refusal(filename: str, content: bytes) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        parse_activity(filename, content)
    return caught.value


def _with_doctype(text: str, doctype: str) -> bytes:
    return text.replace("?>", "?>" + doctype, 1).encode()


def _referring(text: str, entity: str) -> str:
    """The text with its REF placeholder turned into a reference to `entity` (unescaped)."""
    return text.replace("REF", f"&{entity};")


def test_a_gpx_with_an_external_entity_is_rejected_without_reading_the_file_it_names(
    files, secret_file, caplog
):
    text = _referring(files.gpx_text(files.steady(100, 3), name="REF"), "xxe")
    doctype = f'<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
    refusal = _refusal("evil.gpx", _with_doctype(text, doctype))

    assert refusal.problem == f"GPX: {ENTITIES_REFUSED}"
    assert _opened == []
    for shown in (refusal.problem, str(refusal), repr(refusal), caplog.text):
        assert "TOP-SECRET" not in shown
        assert str(secret_file) not in shown


def test_the_classic_etc_passwd_xxe_never_shows_the_password_file(files, caplog):
    text = _referring(files.gpx_text(files.steady(100, 3), name="REF"), "xxe")
    doctype = '<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    refusal = _refusal("evil.gpx", _with_doctype(text, doctype))

    assert refusal.problem == f"GPX: {ENTITIES_REFUSED}"
    passwd = Path("/etc/passwd")
    lines = passwd.read_text().splitlines() if passwd.exists() else ["root:x:0:0"]
    for shown in (refusal.problem, str(refusal), repr(refusal), caplog.text):
        assert "/etc/passwd" not in shown
        assert not any(line and line in shown for line in lines)


def test_a_billion_laughs_gpx_is_refused_quickly(files):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    text = _referring(files.gpx_text(files.steady(100, 3), name="REF"), "lol9")
    started = time.monotonic()
    refusal = _refusal("laughs.gpx", _with_doctype(text, f"<!DOCTYPE gpx [{entities}]>"))

    assert refusal.problem == f"GPX: {ENTITIES_REFUSED}"
    assert time.monotonic() - started < 1


def test_a_gpx_naming_an_external_dtd_is_refused(files):
    doctype = '<!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/evil.dtd">'
    refusal = _refusal("dtd.gpx", _with_doctype(files.gpx_text(files.steady(100, 3)), doctype))
    assert refusal.problem == f"GPX: {ENTITIES_REFUSED}"
    assert "127.0.0.1" not in refusal.problem


def test_a_gpx_with_a_parameter_entity_is_refused(files, secret_file):
    doctype = f'<!DOCTYPE gpx [<!ENTITY % ext SYSTEM "file://{secret_file}"> %ext;]>'
    refusal = _refusal("pe.gpx", _with_doctype(files.gpx_text(files.steady(100, 3)), doctype))
    assert refusal.problem == f"GPX: {ENTITIES_REFUSED}"
    assert _opened == []


def test_a_tcx_with_an_external_entity_is_refused_too(files, secret_file):
    text = _referring(files.tcx_text(files.steady(100, 3), notes="REF"), "xxe")
    doctype = f'<!DOCTYPE TrainingCenterDatabase [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
    refusal = _refusal("evil.tcx", _with_doctype(text, doctype))
    assert refusal.problem == f"TCX: {ENTITIES_REFUSED}"
    assert _opened == []


def test_an_entity_used_without_being_declared_is_malformed_xml(files):
    text = _referring(files.gpx_text(files.steady(100, 3), name="REF"), "xxe")
    assert _refusal("a.gpx", text.encode()).problem.startswith(
        "GPX: not well-formed XML (undefined entity) at line"
    )


def test_malformed_gpx_names_the_line_and_column(files):
    text = files.gpx_text(files.steady(100, 3)).replace("</trkseg>", "</trksg>")
    problem = _refusal("broken.gpx", text.encode()).problem
    assert problem.startswith("GPX: not well-formed XML (mismatched tag) at line ")
    assert ", column " in problem


def test_a_gpx_cut_off_mid_file_is_malformed(files):
    content = files.gpx(files.steady(1000, 3))
    problem = _refusal("cut.gpx", content[: len(content) // 2]).problem
    assert problem.startswith("GPX: not well-formed XML")


def test_malformed_xml_with_an_unknown_name_is_labelled_xml():
    assert _refusal("upload.bin", b"<root><a></root>").problem.startswith(
        "XML: not well-formed XML (mismatched tag)"
    )


def test_a_huge_problem_never_echoes_the_file(files):
    junk = "x" * 100_000
    text = files.gpx_text(files.steady(100, 3)).replace('lat="45.00000000"', f'lat="{junk}"')
    problem = _refusal("junk.gpx", text.encode()).problem
    assert len(problem) < 200


def test_xmlns_words_outside_declarations_are_refused_before_a_slow_scan(files):
    desc = " xmlns" * 200_000  # gpxpy's namespace regex is quadratic on this
    text = files.gpx_text(files.steady(100, 3), name="n").replace(
        "<name>n</name>", f"<name>n</name><desc>{desc}</desc>"
    )
    started = time.monotonic()
    problem = _refusal("slow.gpx", text.encode()).problem
    assert problem == "GPX: the text 'xmlns' appears outside a namespace declaration"
    assert time.monotonic() - started < 2


def test_a_gpx_declaring_many_namespaces_is_refused(files):
    declarations = "".join(f' xmlns:x{i}="urn:runnerly:test:{i}"' for i in range(40))
    text = files.gpx_text(files.steady(100, 3)).replace("<gpx ", f"<gpx{declarations} ", 1)
    assert _refusal("ns.gpx", text.encode()).problem == (
        "GPX: more than 32 XML namespaces are declared"
    )


def test_reading_a_gpx_leaves_no_namespace_behind_in_the_process(files):
    from xml.etree import ElementTree

    uri = "urn:runnerly:test:leak-check"
    text = files.gpx_text(files.steady(100, 3)).replace("<gpx ", f'<gpx xmlns:leak="{uri}" ', 1)
    parse_activity("ns.gpx", text.encode())
    assert uri not in ElementTree._namespace_map
