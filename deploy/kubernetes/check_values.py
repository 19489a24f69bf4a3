"""Check values.yaml against the Zero to JupyterHub chart's own schema, as `helm lint` would.

    python deploy/kubernetes/check_values.py CHART_DIR [VALUES]

CHART_DIR is the chart's folder: `helm pull jupyterhub/jupyterhub --untar`, or `jupyterhub/` of a checkout
of the chart's repository. Helm validates the chart's defaults merged with the given values, so this does
the same: it reads the chart's values.yaml and values.schema.yaml (or .json), merges ours over the defaults
(maps key by key, anything else replaced) and prints each place the schema refuses. Exit status 1 if any.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import yaml

HERE = Path(__file__).resolve().parent


def merged(defaults, ours):
    """Helm's merge of values: maps are merged key by key, anything else is replaced."""
    if isinstance(defaults, dict) and isinstance(ours, dict):
        out = dict(defaults)
        for key, value in ours.items():
            out[key] = merged(defaults[key], value) if key in defaults else value
        return out
    return ours


def problems(chart: Path, values: Path) -> list[str]:
    schema_file = next((chart / n for n in ("values.schema.json", "values.schema.yaml") if (chart / n).exists()), None)
    if schema_file is None:
        raise SystemExit(f"No values.schema.json or values.schema.yaml in {chart}: give the chart's folder.")
    schema = yaml.safe_load(schema_file.read_text(encoding="utf-8"))   # JSON is YAML too
    defaults = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))
    ours = yaml.safe_load(values.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(merged(defaults, ours)), key=lambda e: list(map(str, e.path)))]


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__.strip().splitlines()[2].strip())
        return 2
    found = problems(Path(argv[0]), Path(argv[1]) if len(argv) > 1 else HERE / "values.yaml")
    for line in found:
        print(line)
    print(json.dumps({"problems": len(found)}))
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
