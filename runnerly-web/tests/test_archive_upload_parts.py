"""Whatever order parts arrive in, however often each is sent again, an upload's file is the
file sent, or a part is refused with why and what was received stays as it was
(decision 60; the HTTP side is test_archive_uploads.py)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from runnerly_common.errors import APIError
from runnerly_common.shared_store import SqliteSharedStore
from runnerly_web.archives.uploads import ArchiveUploads


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[bytes, list[tuple[int, int, bool]]]:
    """A file, and parts of it as a flaky network delivers them: (start, end, garbled), any
    order, any boundaries, repeats and overlaps included, some with their bytes changed."""
    data = draw(st.binary(min_size=1, max_size=300))
    cuts = st.integers(0, len(data))
    parts = draw(
        st.lists(st.tuples(cuts, cuts, st.booleans()), min_size=1, max_size=25).map(
            lambda items: [(min(a, b), max(a, b), garbled) for a, b, garbled in items]
        )
    )
    return data, [(start, end, garbled) for start, end, garbled in parts if end > start]


@settings(max_examples=300, deadline=None)
@given(deliveries())
def test_any_order_and_retries_of_parts_give_the_file_or_a_refusal(
    case: tuple[bytes, list[tuple[int, int, bool]]],
) -> None:
    """Each part carries the SHA-256 its sender computed (the dashboard's do), so a part
    changed on the way is refused however it lines up."""
    data, parts = case
    with tempfile.TemporaryDirectory() as work:
        uploads = ArchiveUploads(SqliteSharedStore(str(Path(work) / "store.db")), work, 3600)
        upload = uploads.create(7, "export.zip", len(data), None)
        path = uploads.path(7, upload["id"])
        for start, end, garbled in parts:
            part = data[start:end]
            digest = hashlib.sha256(part).hexdigest()  # before the network garbles it
            if garbled:
                part = bytes(b ^ 0x5A for b in part)
            before = path.read_bytes()
            with uploads.locked(7, upload["id"]) as handle:
                try:
                    received = uploads.write(handle, len(data), start, part, digest)
                except APIError as refusal:
                    # Refused only for a reason the client can act on, and nothing written.
                    assert (refusal.status, refusal.code) in {
                        (409, "upload_offset_mismatch"),
                        (409, "chunk_conflict"),
                        (422, "chunk_checksum_mismatch"),
                    }
                    assert start > len(before) or garbled
                    assert path.read_bytes() == before
                    continue
            assert start <= len(before)
            assert received == len(path.read_bytes()) == max(len(before), end)
            # What is there is always a beginning of the file sent.
            assert data.startswith(path.read_bytes())
        # The client resumes from the offset it is told and finishes.
        with uploads.locked(7, upload["id"]) as handle:
            offset = uploads.received(7, upload)
            if offset < len(data):
                assert uploads.write(handle, len(data), offset, data[offset:]) == len(data)
        assert path.read_bytes() == data
