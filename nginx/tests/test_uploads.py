"""File uploads through the gateway: the import addresses (the browser's
``/api/web/runs/import`` and ``/api/web/runs/archive``, and the dataservice's) are in the
``upload`` class, whose body limit is the one runnerly-web and the dataservice accept; and a
multi-megabyte GPX of a long run passes the WAF whole, fast, with no false positive, while
an XXE in its head is still refused."""

from __future__ import annotations

import ast
import random
import re
import time
from pathlib import Path

import pytest
import requests
from conftest import TOO_LARGE, merge_limits

from runnerly_gateway.limits import parse_limits

REPO = Path(__file__).resolve().parents[2]
LIMITS = parse_limits(merge_limits(None))
IMPORTS = ("/api/web/runs/import", "/api/web/runs/archive", "/api/v1/users/1/runs/import")


def settings_default(path: Path, field: str) -> int:
    """A settings class's default, read from its source (the gateway's test environment
    does not install the services): ``max_content_length: int = 8 * 1024 * 1024``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == field
            and node.value is not None
        ):
            return int(eval(compile(ast.Expression(node.value), str(path), "eval"), {}))  # noqa: S307 - a constant expression of our own source
    raise AssertionError(f"{path} has no {field}")


def long_run_gpx(points: int) -> bytes:
    """A watch's GPX track of ``points`` points, one a second, with heart rate and cadence
    (1.5 MB is about two hours)."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
        "<metadata><time>2026-11-29T07:00:00Z</time></metadata>\n"
        "<trk><name>Sunday long run; 'easy' -- legs tired &amp; happy &lt;3</name>"
        "<type>running</type><trkseg>\n"
    )
    point = (
        '<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele>'
        "<time>2026-11-29T{h:02d}:{m:02d}:{s:02d}Z</time><extensions>"
        "<gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr><gpxtpx:cad>86</gpxtpx:cad>"
        "</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
    )
    rows = []
    for i in range(points):
        seconds = 7 * 3600 + i
        rows.append(
            point.format(
                lat=51.5 + i * 1e-5,
                lon=-0.12 - i * 1e-5,
                ele=30 + (i % 50) / 10,
                h=seconds // 3600 % 24,
                m=seconds // 60 % 60,
                s=seconds % 60,
                hr=130 + i % 30,
            )
        )
    return (head + "".join(rows) + "</trkseg></trk></gpx>\n").encode()


def test_the_upload_limit_is_the_one_runnerly_web_and_the_dataservice_accept() -> None:
    web = settings_default(
        REPO / "runnerly-web" / "src" / "runnerly_web" / "settings.py", "max_content_length"
    )
    dataservice = settings_default(
        REPO / "dataservice" / "src" / "dataservice" / "settings.py", "max_content_length"
    )
    spec = (REPO / "runnerly-web" / "src" / "runnerly_web" / "openapi" / "runs.yaml").read_text(
        encoding="utf-8"
    )
    [promised_mb] = re.findall(r"more than (\d+) MB is 413", spec)

    assert LIMITS.classes["upload"].body_bytes == web == dataservice
    assert web == int(promised_mb) * 1024 * 1024


@pytest.mark.parametrize("path", IMPORTS)
def test_a_long_runs_gpx_reaches_the_importer_and_one_byte_over_the_limit_is_413(
    gateway, path
) -> None:
    gw = gateway(waf=True, allowed_errors=[TOO_LARGE])
    gpx = long_run_gpx(7_000)
    assert len(gpx) > 1_500_000

    response = requests.post(
        gw.url(path),
        params={"filename": "long-run.gpx"},
        data=gpx,
        headers={"Content-Type": "application/octet-stream"},
        timeout=30,
    )

    assert response.status_code == 200, response.text
    assert response.json()["body_length"] == len(gpx)
    limit = LIMITS.classes["upload"].body_bytes
    refused = requests.post(
        gw.url(path), params={"filename": "huge.gpx"}, data=b"a" * (limit + 1), timeout=30
    )
    assert refused.status_code == 413
    assert refused.json()["code"] == "payload_too_large"
    # (nginx refuses an oversize Content-Length before the location sets its route class.)
    assert gw.access_log_lines(expect=2)[0]["route"] == "upload"


@pytest.mark.parametrize("content_type", ["application/gpx+xml", "multipart"])
def test_a_multi_megabyte_gpx_passes_the_waf_quickly_without_a_false_positive(
    gateway, content_type
) -> None:
    gw = gateway(waf=True)
    gpx = long_run_gpx(16_000)  # about 3.5 MB: past the WAF's 1 MiB inspection budget
    assert len(gpx) > 3_000_000
    if content_type == "multipart":
        send = {"files": {"file": ("long-run.gpx", gpx, "application/gpx+xml")}}
    else:
        send = {"data": gpx, "headers": {"Content-Type": content_type}}

    started = time.monotonic()
    response = requests.post(
        gw.url("/api/web/runs/import"), params={"filename": "long-run.gpx"}, timeout=30, **send
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert response.json()["body_length"] >= len(gpx)
    [line] = gw.access_log_lines(expect=1)
    assert line["waf"]["action"] == "pass"
    assert line["waf"]["score"] == 0
    # The WAF reads the first MiB only (the shipped inspect_head): the time is bounded by
    # that, not by the file. Generous for a loaded 2-core CI machine.
    assert elapsed < 3, f"{elapsed:.2f} s"


def test_an_xxe_at_the_head_of_a_big_gpx_is_still_refused(gateway) -> None:
    gw = gateway(waf=True)
    gpx = long_run_gpx(10_000).replace(
        b'<?xml version="1.0" encoding="UTF-8"?>\n',
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n',
        1,
    )

    response = requests.post(
        gw.url("/api/web/runs/import"),
        params={"filename": "long-run.gpx"},
        data=gpx,
        headers={"Content-Type": "application/gpx+xml"},
        timeout=30,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_full_binary_part_of_a_chunked_export_passes_whole_and_one_byte_more_is_413(
    gateway,
) -> None:
    """Decision 60: a part of a multi-GB export is PUT in the upload class, at most its body
    limit (runnerly-web's chunk_size), as application/octet-stream, which the WAF does not
    read: random bytes that happen to spell an attack are not one."""
    gw = gateway(waf=True, allowed_errors=[TOO_LARGE])
    limit = LIMITS.classes["upload"].body_bytes
    part = bytearray(random.Random(60).randbytes(limit))
    part[1000:1040] = b"' OR 1=1 -- <script>alert(1)</script>../"
    path = "/api/web/runs/archive/uploads/Ab_9-x/chunks"

    started = time.monotonic()
    response = requests.put(
        gw.url(path),
        params={"offset": 0},
        data=bytes(part),
        headers={"Content-Type": "application/octet-stream"},
        timeout=30,
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.text
    assert response.json()["body_length"] == limit
    assert elapsed < 3, f"{elapsed:.2f} s"
    refused = requests.put(
        gw.url(path),
        params={"offset": limit},
        data=b"a" * (limit + 1),
        headers={"Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert refused.status_code == 413
    assert refused.json()["code"] == "payload_too_large"
    first = gw.access_log_lines(expect=2)[0]
    assert first["route"] == "upload" and first["waf"]["action"] == "pass"
