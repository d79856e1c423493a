"""Write data/boundaries/areas.csv, ddmgeo's gazetteer of areas (no geometry).

One row per (vintage, level, code) for provinces, district spaces and
municipalities of the 2011 and 2016 demarcations, taken from the registered
real files (found through ddmgeo's registry, e.g. with DDMGEO_DATA_DIR set):

* 2016: the MDB 2020 delimitation layers (``Provinces_2020``, ``Districts_2020``,
  ``Muni_2020``), which carry exactly the 2016 code sets and hierarchy;
  names are the 2020 ones (current names, e.g. Garden Route).
* 2011: the MDB 2011 district table (``DistrictMunicipalities2011.dbf``) and
  municipality layer; municipality names from ``wazimap_geographies.csv``
  (2011 vintage), because the 2011 layer truncates names to 20 characters.
* Spelling: where Stats SA's mid-year population estimates (``mype_districts_2022_2026``)
  write a district's name with other capitals only (uMgungundlovu for the MDB's
  Umgungundlovu), theirs is used, in both vintages: it is the municipality's own spelling.

Run from the repository root::

    DDMGEO_DATA_DIR=../shared/data python tools/build_gazetteer.py
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyogrio

from ddmgeo import datasets
from ddmgeo.settings import METRO_CODES, PROVINCES

OUT = Path(__file__).resolve().parent.parent / "data" / "boundaries" / "areas.csv"
SUFFIX = re.compile(r"\s+(Local|Metropolitan) Municipality$")


def short_name(name: str) -> str:
    if name.startswith("Local Municipality of "):
        return name[len("Local Municipality of ") :]
    return SUFFIX.sub("", name)


def mdb2020(member: str) -> pd.DataFrame:
    zpath = datasets.fetch("mdb2020_openup")
    return pyogrio.read_dataframe(f"/vsizip/{zpath}/2021-demarcation/{member}", read_geometry=False, encoding="utf-8")


def rows_2016() -> list[dict]:
    src20 = "MDB 2020 delimitation (mdb2020_openup)"
    prov = mdb2020("Provinces_2020.shp")
    dist = mdb2020("Districts_2020.shp")
    muni = mdb2020("Muni_2020.shp")
    rows = []
    for r in prov.itertuples():
        rows.append(dict(level="province", code=r.Code, name=r.Name, official_name=r.Name, district_code="", province_code=r.Code, category="", source=src20))
    muni_name = dict(zip(muni.Code, muni.Name))
    dist_prov = dict(zip(dist.Code, dist.Parent_cod))
    for r in dist.itertuples():
        metro = r.Code in METRO_CODES
        official = muni_name[r.Code] if metro else f"{r.Name} District Municipality"
        rows.append(dict(level="district", code=r.Code, name=r.Name, official_name=official, district_code=r.Code, province_code=r.Parent_cod, category="A" if metro else "C", source=src20))
    for r in muni.itertuples():
        metro = r.Code in METRO_CODES
        # a metro keeps one name at both levels: the district layer's (eThekwini, not Ethekwini)
        name = dist.set_index("Code").at[r.Code, "Name"] if metro else short_name(r.Name)
        rows.append(dict(level="municipality", code=r.Code, name=name, official_name=r.Name, district_code=r.Parent_cod, province_code=dist_prov[r.Parent_cod], category="A" if metro else "B", source=src20))
    return rows


def rows_2011() -> list[dict]:
    rows = []
    for code, name in PROVINCES.items():
        rows.append(dict(level="province", code=code, name=name, official_name=name, district_code="", province_code=code, category="", source="MDB 2011 district table (mdb2011_district_attributes)"))
    dist = pyogrio.read_dataframe(datasets.fetch("mdb2011_district_attributes"), read_geometry=False)
    for r in dist.itertuples():
        rows.append(dict(level="district", code=r.DISTRICT, name=r.MUNICNAME, official_name=r.MAP_TITLE, district_code=r.DISTRICT, province_code=r.PROVINCE, category=r.CATEGORY, source="MDB 2011 district table (mdb2011_district_attributes)"))
    muni = pyogrio.read_dataframe(datasets.fetch("mdb2011_municipalities"), read_geometry=False)
    geo = pd.read_csv(datasets.fetch("wazimap_geographies"), dtype=str, keep_default_na=False)
    geo = geo[(geo.demarcation == "2011") & (geo.geo_level == "municipality")].set_index("geo_code")
    missing = set(muni.LocalMunicipalityCode) - set(geo.index)
    if missing:
        raise SystemExit(f"2011 municipalities without a wazimap name: {sorted(missing)}")
    for r in muni.itertuples():
        metro = r.LocalMunicipalityCode in METRO_CODES
        name = geo.at[r.LocalMunicipalityCode, "name"]
        suffix = "Metropolitan Municipality" if metro else "Local Municipality"
        rows.append(dict(level="municipality", code=r.LocalMunicipalityCode, name=name, official_name=f"{name} {suffix}", district_code=r.DistrictMunicipalityCode, province_code=r.ProvinceCode, category="A" if metro else "B", source="MDB 2011 municipalities (mdb2011_municipalities); names from wazimap_geographies 2011"))
    return rows


def stats_sa_spellings() -> dict[str, str]:
    """code -> Stats SA's spelling of a district name, from the mid-year estimates' 'KZN - uThukela District Municipality (DC23)'."""
    names = pd.read_csv(datasets.fetch("mype_districts_2022_2026"), usecols=[0], dtype=str).iloc[:, 0].unique()
    out = {}
    for text in names:
        m = re.match(r"^\w+ - (.+?) (?:District|Metropolitan) Municipality \((\w+)\)$", str(text).strip())
        if m:
            out[m.group(2)] = m.group(1)
    return out


def respell(rows: list[dict], spellings: dict[str, str]) -> list[dict]:
    """Adopt a spelling that differs from the MDB's in capitals only (name and official name)."""
    for r in rows:
        better = spellings.get(r["code"])
        if better and better != r["name"] and better.lower() == r["name"].lower():
            r["official_name"] = r["official_name"].replace(r["name"], better)
            r["name"] = better
            r["source"] += "; spelling as Stats SA mid-year estimates (mype_districts_2022_2026)"
    return rows


def main() -> None:
    frames = []
    spellings = stats_sa_spellings()
    for vintage, rows in ((2011, rows_2011()), (2016, rows_2016())):
        df = pd.DataFrame(respell(rows, spellings))
        df.insert(0, "vintage", vintage)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    order = {"province": 0, "district": 1, "municipality": 2}
    out = out.sort_values(["vintage", "level", "code"], key=lambda s: s.map(order) if s.name == "level" else s).reset_index(drop=True)
    counts = out.groupby(["vintage", "level"]).size().to_dict()
    expected = {(2011, "province"): 9, (2011, "district"): 52, (2011, "municipality"): 234, (2016, "province"): 9, (2016, "district"): 52, (2016, "municipality"): 213}
    if counts != expected:
        raise SystemExit(f"unexpected counts {counts}")
    out.to_csv(OUT, index=False, lineterminator="\n")
    print(f"wrote {OUT} ({len(out)} rows)")


if __name__ == "__main__":
    main()
