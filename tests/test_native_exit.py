"""A process that edits a parcel (re-classifying it) before it has read any file ends
cleanly: PROJ is loaded by pyproj before SpatiaLite loads the system's, else the two
free each other's memory at exit ("double free or corruption", exit 134). And
``landbank export x.gpkg`` from a SpatiaLite database writes the file: GDAL is loaded by
pyogrio before SpatiaLite, else its GeoPackage writer crashes (exit 139). Only a
separate process shows these: pytest's own process has loaded every library first."""

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


def test_the_command_line_exports_a_geopackage_from_spatialite(cli, tmp_path):
    import pyogrio

    url = f"sqlite:///{tmp_path / 'export.sqlite'}"
    assert cli("init", db=url).exit_code == 0
    sample = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    assert cli("import", "parcels", str(sample), "-q", db=url).exit_code == 0
    out = tmp_path / "out.gpkg"
    proc = subprocess.run(
        [sys.executable, "-m", "landbank.cli", "--db", url, "export", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    written = pyogrio.read_dataframe(out)
    assert len(written) == len(pyogrio.read_dataframe(sample)) and len(written) > 0
