"""nginx with the Lua module, as the gateway needs it (Debian's nginx and libnginx-mod-http-lua)."""

from __future__ import annotations

import os
from pathlib import Path

from runnerly_common.testing.ci import ServiceUnavailable, require_program

# Where Debian puts nginx's dynamic modules; GATEWAY_MODULE_DIR as the gateway reads it.
MODULE_DIR = os.environ.get("GATEWAY_MODULE_DIR", "/usr/lib/nginx/modules")


def require_nginx() -> str:
    """nginx's path; ServiceUnavailable unless nginx and its Lua module are installed."""
    binary = require_program("nginx", "nginx libnginx-mod-http-lua", "/usr/sbin/nginx")
    if not (Path(MODULE_DIR) / "ngx_http_lua_module.so").is_file():
        raise ServiceUnavailable("libnginx-mod-http-lua is not installed")
    return binary
