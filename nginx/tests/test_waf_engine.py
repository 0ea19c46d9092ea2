"""The WAF engine's shortcuts never change a verdict, and PCRE JIT is on.

The engine checks short values against one alternation per rule group before it runs the
rules one by one, keeps each transform's output per input for the request, and runs the
signatures (and the transforms' "anything to do?" checks) as precompiled PCRE objects.
tests/lua/waf_reference.lua runs, inside nginx, both the engine and the plain way (every
rule's whole transform chain, then ngx.re.find with its own pattern): on any value,
generated here from the pieces attacks are made of, the two must name the same rules.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from waf_support import (
    SCANNERS,
    NginxServer,
    _require_nginx,
    _stop_checked,
    lua_string,
    start_nginx,
    write_config,
)

from runnerly_common.testing import skip_or_fail

TESTS_LUA = Path(__file__).resolve().parent / "lua"

# What attack payloads are made of: keywords, the punctuation they need, their encodings
# (URL, entities, JavaScript escapes, overlong UTF-8, fullwidth forms), whitespace of
# every kind and comments; and words of ordinary text.
TOKENS = [
    *[
        "union",
        "select",
        "from",
        "where",
        "or",
        "and",
        "sleep",
        "benchmark",
        "information_schema",
        "having",
        "order",
        "by",
        "script",
        "alert",
        "onerror",
        "onload",
        "javascript",
        "iframe",
        "svg",
        "img",
        "src",
        "etc",
        "passwd",
        "shadow",
        "proc",
        "self",
        "environ",
        "win",
        "ini",
        "system32",
        "cat",
        "ls",
        "id",
        "whoami",
        "wget",
        "curl",
        "nc",
        "bash",
        "sh",
        "ping",
        "jndi",
        "ldap",
        "rmi",
        "dns",
        "lower",
        "upper",
        "env",
        "date",
        "localhost",
        "127.0.0.1",
        "169.254.169.254",
        "metadata",
        "file",
        "gopher",
        "dict",
        "entity",
        "doctype",
        "system",
        "include",
        "eval",
        "exec",
        "config",
        "class",
        "import",
        "os",
        "popen",
        "run",
        "park",
        "easy",
        "tempo",
        "hills",
    ],
    *[
        "'",
        '"',
        "`",
        ";",
        "(",
        ")",
        "=",
        "<",
        ">",
        "|",
        "&",
        "$",
        "{",
        "}",
        "[",
        "]",
        "/",
        "\\",
        ".",
        "-",
        "#",
        "*",
        "+",
        ",",
        "!",
        "@",
        "^",
        "~",
        ":",
        "?",
        "%",
        "_",
    ],
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\x0b",
    "\xa0",
    "\xc2",
    "\xc2\xa0",  # a UTF-8 no-break space
    "\x00",
    "--",
    "/*",
    "*/",
    "/*!50000",
    "${",
    "${::-j}",
    "$(",
    "../",
    "..\\",
    "%27",
    "%2527",
    "%3c",
    "%00",
    "%u0027",
    "%c0%ae",
    "&#x27;",
    "&#39",
    "&lt;",
    "\\u0027",
    "\\x3c",
    "\xc0\xae",
    "\xef\xbc\x9c",  # fullwidth "<"
    "\xc4\xb1",  # dotless i
    "0x2e",
    "Union",
    "SELECT",
    "ScRiPt",
]


def hexed(text: str) -> str:
    # Tokens hold bytes as code points below 256: the engine sees exactly those bytes.
    return text.encode("latin-1", errors="replace").hex()


values = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map("".join)
short_values = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=5).map(
    lambda parts: "".join(parts)[:24]  # the engine's alternations check up to 24 bytes
)
# Values as benign traffic mostly has them, which take the engine's prefilter (no byte
# any transform reacts to): keywords, letters, digits and spaces with single punctuation,
# so that a rule skipped for lacking its trigger bytes would show.
KEYWORDS = [t for t in TOKENS if t.isalnum()]
plainish_values = st.lists(
    st.one_of(
        st.sampled_from(KEYWORDS),
        st.text(alphabet=string.ascii_letters + string.digits + " ", max_size=8),
        st.sampled_from(list(string.punctuation)),
    ),
    min_size=1,
    max_size=10,
).map("".join)


@pytest.fixture(scope="module", params=list(SCANNERS))
def reference(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NginxServer]:
    """The engine with Hyperscan (where libhs is there) and on PCRE alone, each time
    against every rule alone."""
    _require_nginx()
    prefix = tmp_path_factory.mktemp("waf-engine")
    changes = SCANNERS[request.param]
    config = lua_string(str(write_config(prefix, changes))) if changes else ""
    init = (
        f"package.path = {lua_string(str(TESTS_LUA) + '/?.lua;')} .. package.path; "
        f'require("runnerly.waf").init({config})'
    )
    access = 'access_by_lua_block { return require("waf_reference").compare() }'
    server = start_nginx(prefix, init=init, access=access)
    server.scanner = request.param  # type: ignore[attr-defined]
    yield server
    _stop_checked(server)


def compare(
    server: NginxServer, route: str, kind: str, field: str, batch: list[str]
) -> dict[str, Any]:
    body = {"route": route, "kind": kind, "field": field, "values": [hexed(v) for v in batch]}
    response = requests.post(server.url("/compare"), json=body, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    differ = [
        f"{batch[d['index'] - 1]!r}: engine {d['engine']}, rules one by one {d['reference']}"
        for d in answer["differ"]
    ]
    assert not differ, "\n".join(differ)
    return answer


# (route, kind, field): an item of each kind the rules read, and a field some exceptions
# cover (a polyline in a JSON body: no command, template or markup rules).
PLACES = [
    ("api", "query", "q"),
    ("web", "body_args", "comment"),
    ("api", "body_args", "polyline"),
    ("api", "path", "path"),
    ("web", "headers", "referer"),
    ("api", "cookies", "session"),
    ("upload", "xml", "file"),
]


@pytest.mark.parametrize(("route", "kind", "field"), PLACES)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(st.one_of(values, short_values, plainish_values), min_size=20, max_size=40))
def test_the_engine_names_the_rules_each_rule_alone_would(
    reference: NginxServer, route: str, kind: str, field: str, batch: list[str]
) -> None:
    compare(reference, route, kind, field, batch)


def test_the_generated_values_do_reach_the_rules(reference: NginxServer) -> None:
    """The comparison means something only if many generated values match some rule."""
    batch = [
        "1' or '1'='1",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        ";cat /etc/passwd",
        "${jndi:ldap://x}",
        "' or 1--",
        "%27 or 1=1--",
        "easy run",
    ]
    answer = compare(reference, "api", "query", "q", batch)
    assert answer["hits"] == 7


def test_pcre_jit_is_on_and_the_signatures_run_precompiled(reference: NginxServer) -> None:
    """ngx.re.opt("jit_stack_size") succeeds only where nginx's Lua module and PCRE were
    built with JIT (runnerly.waf.init asks before compiling the rules); the rules run as
    compiled objects through resty.core's FFI, not ngx.re.find's cache."""
    answer = compare(reference, "api", "query", "q", ["easy run"])
    assert answer["jit"] is True
    assert answer["direct"] is True
    assert "PCRE JIT is not available" not in reference.error_log()


def test_hyperscan_scans_the_signatures_where_libhs_is_there(reference: NginxServer) -> None:
    """With libhs (Debian's libhyperscan5; libvectorscan5 elsewhere) each value is scanned
    once for all the signatures; "hyperscan": false keeps PCRE alone, as a gateway without
    libhs does (it says so at start)."""
    answer = compare(reference, "api", "query", "q", ["easy run"])
    if reference.scanner == "pcre":  # type: ignore[attr-defined]
        assert answer["hyperscan"] is False
        return
    if "Hyperscan (libhs) is not available" in reference.error_log():
        skip_or_fail("libhs is not installed (apt-get install libhyperscan5)")
    assert answer["hyperscan"] is True


def test_the_prefilter_is_loaded_and_current(reference: NginxServer) -> None:
    """The shipped triggers.json matches the rules (a stale entry would switch its rule's
    prefilter off, with a warning), and plain values that attack through punctuation alone
    are still caught on the fast path."""
    batch = ["a;id", "x|ls", "b'or'1'='1", "1 or 1=1--", "<svg onload=alert(1)>", "easy run"]
    answer = compare(reference, "api", "query", "q", batch)
    assert answer["hits"] >= 4
    assert "is stale for rules" not in reference.error_log()
