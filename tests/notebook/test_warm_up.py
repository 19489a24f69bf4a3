"""A preheated kernel loads its page's widget modules while it waits for the page, not after."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import json, os, sys
import securebase.notebook.parameters as parameters
from securebase.store import Store
store_path, page, mode = sys.argv[1:4]
with Store(store_path) as store:
    store.ensure_client("C-WARM01", program_id="sie")
seen = {}
def wait():   # where a preheated kernel waits for its page's request: what has it loaded by then?
    seen["loaded"] = sorted(m for m in sys.modules if m.startswith(("securebase.ui", "ipywidgets")))
    os.environ.update(QUERY_STRING="client_id=C-WARM01", SERVER_SOFTWARE="voila/0.5")
parameters.wait_for_page_request = wait
if page == "workbook":
    from securebase.notebook.workbook import Workbook as cls
    cls.open("sie", "awareness", client_id="demo-001", store_path=store_path, mode=mode)
else:
    from securebase.notebook.progress import ProgressWorkbook as cls
    cls.open("sie", client_id="demo-001", store_path=store_path, mode=mode)
print(json.dumps({"loaded": seen.get("loaded"), "warm": list(cls.warm_modules)}))
'''


def run(tmp_path, page):
    env = {**os.environ, "VOILA_PREHEAT": "True", "SECUREBASE_HOME": str(tmp_path),
           "PYTHONPATH": str(ROOT / "helpers")}
    env.pop("QUERY_STRING", None)
    env.pop("SERVER_SOFTWARE", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "s.sqlite3"), page, "interactive"], env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_preheated_workbook_has_its_widget_modules_loaded_before_its_request(tmp_path):
    result = run(tmp_path, "workbook")
    assert "ipywidgets" in result["loaded"]
    assert {m for m in result["warm"] if m.startswith("securebase.ui")} <= set(result["loaded"])
    assert "securebase.ui.forms" in result["loaded"]


def test_a_preheated_progress_view_too(tmp_path):
    result = run(tmp_path, "progress")
    assert {"securebase.ui.progress", "securebase.ui.safety", "securebase.ui.nav"} <= set(result["loaded"])

