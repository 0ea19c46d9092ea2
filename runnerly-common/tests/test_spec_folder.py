"""A spec kept as one file per resource is served and validated as one document."""

from __future__ import annotations

from pathlib import Path

import pytest

from runnerly_common.openapi import OpenAPIBlueprint, load_spec

INDEX = """
openapi: 3.1.0
info: {title: Folder, version: "1"}
paths: {}
components:
  schemas:
    Error: {type: object, required: [code], properties: {code: {type: string}}}
"""
RUNS = """
paths:
  /runs/{run_id}:
    get:
      operationId: getRun
      parameters: [{name: run_id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Run"}}}
        default:
          description: error
          content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
components:
  schemas:
    Run: {type: object, required: [id], properties: {id: {type: integer}}}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "index.yaml").write_text(INDEX, encoding="utf-8")
    (tmp_path / "runs.yaml").write_text(RUNS, encoding="utf-8")
    return tmp_path


class TestSpecFolder:
    def test_fragments_merge_into_one_document_with_local_references(self, folder: Path) -> None:
        spec = load_spec(folder)
        assert set(spec["paths"]) == {"/runs/{run_id}"}
        assert set(spec["components"]["schemas"]) == {"Error", "Run"}
        bp = OpenAPIBlueprint("api", __name__, folder)
        assert "getRun" in bp.operations

    def test_a_name_defined_twice_is_an_error(self, folder: Path) -> None:
        (folder / "again.yaml").write_text(RUNS, encoding="utf-8")
        with pytest.raises(ValueError, match=r"'/runs/\{run_id\}' is defined twice"):
            load_spec(folder)
