"""The repository the benchmarks run in, and the command of a benchmark's own helper process."""

from __future__ import annotations

import shlex
import sys

from runnerly_common.testing.services import repo_root

ROOT = repo_root()


def module_command(module: str, *args: str, **env: str) -> list[str]:
    """``python -m <module> <args>`` for a helper process (an instrumented service or worker)
    started in a folder of its own: the repository on its PYTHONPATH finds ``benchmarks``,
    and ``env`` adds variables the starter would not pass on (``/usr/bin/env`` execs python,
    so the process is python's own)."""
    assignments = [f"{name}={value}" for name, value in {"PYTHONPATH": str(ROOT), **env}.items()]
    return ["/usr/bin/env", *assignments, sys.executable, "-m", module, *args]


def invocation() -> str:
    """How this benchmark was run (``python -m benchmarks.<name> <args>``), for its results."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    module = spec.name.removesuffix(".__main__") if spec else sys.argv[0]
    return shlex.join([sys.executable, "-m", module, *sys.argv[1:]])
