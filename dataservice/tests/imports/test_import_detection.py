"""The content decides the format; files that are nothing we read are refused by name."""

from __future__ import annotations

import gzip

import pytest

from dataservice.imports import FileRejected, parse_activity

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def _problem(filename: str, content: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        parse_activity(filename, content)
    return caught.value.problem


@pytest.mark.parametrize("content", [b"", b"   \n\t  "])
def test_an_empty_file_is_refused_as_empty(content):
    assert _problem("run.gpx", content) == "file is empty"


@pytest.mark.parametrize("filename", ["photo.gpx", "photo.png", "run"])
def test_a_picture_is_not_an_activity_file(filename):
    assert _problem(filename, PNG) == "not a GPX, TCX or FIT file"


def test_xml_that_is_neither_gpx_nor_tcx_is_refused_naming_its_root():
    problem = _problem("feed.gpx", b"<?xml version='1.0'?><rss><channel/></rss>")
    assert problem == "not a GPX, TCX or FIT file (XML root element is 'rss')"


def test_a_file_named_fit_without_the_signature_is_refused_as_a_bad_fit():
    assert _problem("run.fit", b"hello world, this is text") == "FIT: the file header is not valid"
    assert _problem("run.fit", b"\x0e\x10") == "FIT: the file is truncated"


def test_a_tcx_named_gpx_is_read_as_tcx(files):
    run = parse_activity("renamed.gpx", files.tcx(files.steady(500, 3)))
    assert run.file_format == "tcx"


def test_a_gpx_named_fit_is_read_as_gpx(files):
    run = parse_activity("renamed.fit", files.gpx(files.steady(500, 3)))
    assert run.file_format == "gpx"


def test_a_fit_named_gpx_is_read_as_fit(files):
    run = parse_activity("renamed.gpx", files.fit(files.steady(500, 3)))
    assert run.file_format == "fit"


def test_a_gzipped_gpx_is_read(files):
    content = gzip.compress(files.gpx(files.steady(500, 3)))
    assert parse_activity("run.gpx.gz", content).distance == pytest.approx(500, abs=1)


def test_a_truncated_gzip_is_refused(files):
    content = gzip.compress(files.gpx(files.steady(500, 3)))
    assert _problem("run.gpx.gz", content[: len(content) // 2]) == "gzip: the file is truncated"


def test_a_gzip_that_inflates_past_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr("dataservice.imports.detect.MAX_INFLATED_BYTES", 1024 * 1024)
    bomb = gzip.compress(b"<gpx>" + b" " * (4 * 1024 * 1024))
    assert _problem("bomb.gpx.gz", bomb) == "gzip: the file is larger than 1 MB once decompressed"


def test_an_empty_gzip_is_an_empty_file():
    assert _problem("run.fit.gz", gzip.compress(b"")) == "file is empty"
