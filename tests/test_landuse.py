"""Land-use classes through the profile's crosswalk; the source code is kept."""

import json

import pandas as pd

from landbank.config import load_profile
from landbank.domain.landuse import land_use_class


def test_codes_map_through_the_crosswalk_whole_code_first_then_major_class():
    walk = load_profile("default").crosswalk
    got = land_use_class(pd.Series(["0601", "1101", "0699", "0508", "9999", None]), walk)
    assert list(got) == ["industrial", "logistics", "industrial", "logistics", None, None]


def test_a_city_profile_extends_the_crosswalk(tmp_path):
    path = tmp_path / "city.toml"
    path.write_text('name = "city"\n[crosswalk]\n"9999" = "public"\n', encoding="utf-8")
    walk = load_profile(str(path)).crosswalk
    assert walk["9999"] == "public" and walk["0601"] == "industrial"


def test_import_stores_the_class_beside_the_source_code(cli, db_url):
    from tests.conftest import ROOT

    path = ROOT / "data" / "parcels" / "zaozhuang_parcels.gpkg"
    assert cli("import", "parcels", path, db=db_url).exit_code == 0
    first = json.loads(cli("parcels", "list", "--json", db=db_url).stdout)[0]
    shown = json.loads(cli("parcels", "show", first["code"], "--json", db=db_url).stdout)
    assert shown["land_use"] == first["land_use"]
    assert shown["land_use_class"] in ("industrial", "logistics", "commercial")
