"""The check of deploy/kubernetes/values.yaml against a Zero to JupyterHub chart's schema.

The chart itself is not installable in CI; these tests give the checker a small chart of the same shape
(defaults plus a schema with required keys and closed maps) and our real values file.
"""

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("check_values", ROOT / "deploy/kubernetes/check_values.py")
check_values = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_values)

OURS = yaml.safe_load((ROOT / "deploy/kubernetes/values.yaml").read_text(encoding="utf-8"))


def _closed(properties: dict, required=()) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties, "required": list(required)}


def _chart(tmp_path, schema: dict, defaults: dict) -> Path:
    (tmp_path / "values.schema.yaml").write_text(yaml.safe_dump(schema), encoding="utf-8")
    (tmp_path / "values.yaml").write_text(yaml.safe_dump(defaults), encoding="utf-8")
    return tmp_path


def _open_schema_of(values) -> dict:
    """A schema that knows exactly the keys of `values` (closed maps), values of any type below them."""
    if isinstance(values, dict):
        return _closed({k: _open_schema_of(v) for k, v in values.items()}, required=values)
    return {}


def test_helm_merge_keeps_defaults_and_replaces_lists():
    assert check_values.merged({"a": {"x": 1, "y": [1]}, "b": 2}, {"a": {"y": [3]}}) == {"a": {"x": 1, "y": [3]}, "b": 2}


def test_our_values_pass_a_schema_of_their_own_keys_and_required_defaults(tmp_path):
    schema = _open_schema_of(OURS)
    schema["properties"]["debug"] = _closed({"enabled": {"type": "boolean"}}, required=["enabled"])
    schema["required"].append("debug")
    chart = _chart(tmp_path, schema, {"debug": {"enabled": False}})
    assert check_values.problems(chart, ROOT / "deploy/kubernetes/values.yaml") == []


def test_an_unknown_key_a_wrong_type_and_a_missing_default_are_each_named(tmp_path):
    schema = _closed({"hub": _closed({"baseUrl": {"type": "string"}, "db": {"type": "object"}}, required=["baseUrl"]),
                      "debug": _closed({"enabled": {"type": "boolean"}})})
    chart = _chart(tmp_path, schema, {"debug": {"enabled": False}})
    values = tmp_path / "ours.yaml"
    values.write_text(yaml.safe_dump({"hub": {"db": "postgres", "bogus": 1}, "debug": {"enabled": "yes"}}))
    found = "\n".join(check_values.problems(chart, values))
    assert "'bogus' was unexpected" in found
    assert "'baseUrl' is a required property" in found
    assert "debug.enabled: 'yes' is not of type 'boolean'" in found
    assert "hub.db: 'postgres' is not of type 'object'" in found
    assert check_values.main([str(chart), str(values)]) == 1
