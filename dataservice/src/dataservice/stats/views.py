"""Placeholder: this resource's operations are bound here once its spec fragment exists."""

from __future__ import annotations

from runnerly_common.openapi import OpenAPIBlueprint


def bind(api: OpenAPIBlueprint) -> None:
    del api
