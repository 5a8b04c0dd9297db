"""A process that edits a parcel (re-classifying it) before it has read any file ends
cleanly: PROJ is loaded by pyproj before SpatiaLite loads the system's, else the two
free each other's memory at exit ("double free or corruption", exit 134). Only a
separate process shows it: pytest's own process never ends between tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
from landbank.db.store import Store
from landbank.services.parcels import set_fields
store = Store.open(sys.argv[1])
done = set_fields(store, sys.argv[2], {"agreed_start_on": "2027-03-01"}, "test", "re-agreed")
store.close()
print(done["changed"])
"""


def test_a_script_that_edits_a_parcel_ends_cleanly(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'exit.sqlite'}"
    assert cli("init", db=url).exit_code == 0
    sample = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    assert cli("import", "parcels", str(sample), "-q", db=url).exit_code == 0
    code = "370402-01-000043"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, code],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "agreed_start_on" in proc.stdout
