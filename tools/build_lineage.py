"""Write data/boundaries/lineage.csv: district and municipality lineage, 2011 -> 2016 demarcation.

One row per (2011 area, 2016 area) pair that really overlaps, at two levels
(``district``: the 52 district spaces, 44 districts + 8 metros; ``municipality``:
234 municipalities in 2011, 213 in 2016), unchanged areas included, so that the
lineage of every 2011 code can be looked up. Columns::

    level, old_code, old_name, old_vintage, new_code, new_name, new_vintage,
    change, share_of_old, share_of_new, year, source

Everything is derived from the real files under ``$DDMGEO_DATA_DIR`` (paths
relative to it):

* geometry 2011: ``boundaries/mdb_2011/MDB_Local_Municipal_Boundary_2011.geojson``
  (districts = its municipalities dissolved by ``DistrictMunicipalityCode``);
* geometry 2016: ``Muni_2020`` of ``boundaries/openup_2021_demarcation/2021-demarcation.zip``
  (the MDB 2020 delimitation, which carries exactly the 2016 code sets; districts =
  ``Muni_2020`` dissolved by ``Parent_cod``) and the names of ``Districts_2020``;
* ``boundaries/mdb_2016_attributes/*.dbf`` (MDB 2016 names, which name the
  predecessors of merged municipalities, and the MDB 2011/2016 district areas);
* ``indicators/wazimap_geographies.csv`` (full names, parents and km² of every 2011
  and 2016 geography: the 35 retired and 14 new codes);
* ``indicators/census2011_indicators.csv`` (Census 2011 population tabulated on both
  the 2011 and the 2016 demarcation: a municipality whose boundary did not change
  has the same count on both, within +-2 persons of Stats SA random rounding).

Method (see data/boundaries/lineage.md for the full description)
-----------------------------------------------------------------
1. Overlay the 2011 and 2016 municipalities in the equal-area CRS ESRI:102022
   (``shapely.make_valid`` on invalid polygons); share_of_old = area(old & new) /
   area(old), share_of_new = area(old & new) / area(new).
2. The two layers are different generalisations and the 2016 geometry is the 2020
   delimitation, so overlaps between different codes of up to ~5 % are noise or
   2016->2020 re-determinations. Same-code pairs are always kept; a pair of different
   codes is kept when it is

   * ``strong``: max(share_of_old, share_of_new) >= 0.10;
   * ``weak``: 0.02 <= max share < 0.10 (the sliver threshold is: both shares
     < 0.02) and the attribute data corroborate it in the right direction: the old
     area is a retired code or lost Census-2011 population (>= 3 persons) or wazimap
     km² (ratio more than 0.4 % below the median ratio), and the new area is a new
     code or gained population or km²;
   * ``area balance``: a sliver with max share >= 0.005 between two persisting
     municipalities whose population did not change and whose wazimap km² moved by
     matching amounts in opposite directions (unpopulated land);
   * ``population balance``: a sliver that the Census-2011 population requires. The
     kept pairs form connected groups; a group whose new areas (2016 demarcation)
     and old areas (2011) hold different populations, beyond random rounding, lost
     or gained people across its edge. Two or three such groups whose differences
     cancel are joined by the overlapping pairs with the largest intersections.

   Pairs across a district border also need both districts' areas in the MDB 2011
   and 2016 district tables to differ (weak and balance rules).
3. District pairs are the district parents of the kept municipal pairs, with
   shares from the overlay of the dissolved districts.
4. ``change`` (";"-joined, in the order renamed, code_changed, merged, split,
   boundary_changed) and ``year`` follow from the kept pairs, the code sets, the
   names and the attribute evidence; renames carry the year found for them
   (RENAMES below) or none.

Run from the repository root::

    DDMGEO_DATA_DIR=/work/shared/data python tools/build_lineage.py

Deterministic: inputs are read in a fixed order, rows are sorted and shares are
rounded to 4 decimals.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

OUT = Path(__file__).resolve().parent.parent / "data" / "boundaries" / "lineage.csv"

EQUAL_AREA_CRS = "ESRI:102022"
OLD_VINTAGE, NEW_VINTAGE = 2011, 2016
DEMARCATION_YEAR = 2016  # the August 2016 demarcation took effect at the 3 August 2016 elections
METROS = ("BUF", "CPT", "EKU", "ETH", "JHB", "MAN", "NMA", "TSH")

SLIVER = 0.02  # both shares below this: sliver (noise), unless a balance rule pulls the pair in
STRONG = 0.10  # max share at or above this: real overlap without further evidence
AREA_BALANCE_MIN = 0.005  # smallest max share considered by the area-balance rule
POP_TOL = 3  # persons; Census-2011 counts of unchanged units differ by at most 2 between demarcations
AREA_BAND = 0.004  # wazimap km² ratio 2016/2011 further than this from its median: area changed
AREA_BALANCE_TOL = 0.5  # |gain + loss| <= this * max(|gain|, |loss|) for the area-balance rule
MDB_DISTRICT_BAND = 0.0005  # MDB district Shape_Area 2016 vs 2011 relative change above this: changed
SPLIT_BELOW = 0.5  # a persisting code keeping less than this share of its old area was split
DECIMALS = 4

COLUMNS = [
    "level", "old_code", "old_name", "old_vintage", "new_code", "new_name", "new_vintage",
    "change", "share_of_old", "share_of_new", "year", "source",
]
CHANGE_ORDER = ("renamed", "code_changed", "merged", "split", "boundary_changed")

# Renames whose year was established from public pages (searched 2026; see lineage.md).
# code -> (year, evidence)
RENAMES = {
    "DC10": (2014, "name formally changed to Sarah Baartman from 1 Sep 2014: "
                   "https://www.sarahbaartman.co.za/article/82"),
    "DC8": (2013, "Siyanda renamed ZF Mgcawu from 1 Jul 2013: "
                  "https://en.wikipedia.org/wiki/ZF_Mgcawu_District_Municipality"),
    "DC43": (2013, "Sisonke renamed Harry Gwala, KZN Provincial Gazette 19 Sep 2013 "
                   "(de.wikipedia 'Harry Gwala' via https://kampuspedia.com/de/Harry_Gwala)"),
    "DC28": (2016, "uThungulu renamed King Cetshwayo in Jul 2016 (af.wikipedia citing News24 2016-07-27, via "
                   "https://askwikinow.com/view_html.php?lang=af&q=King_Cetshwayo-distriksmunisipaliteit&sq=Google)"),
    "DC4": (2018, "Eden renamed Garden Route, approved by the Western Cape MEC on 24 Aug 2018: "
                  "http://www.pressreader.com/south-africa/suid-kaap-forum/20180906/281891594158065"),
    "EC101": (2016, "merged and renamed Dr Beyers Naude on 3 Aug 2016: "
                    "https://municipalities.co.za/locals/view/13/Dr-Beyers-Naude-Local-Municipality"),
    "KZN216": (2016, "Ezinqoleni merged in and renamed Ray Nkonyeni on 3 Aug 2016: "
                     "http://localgovernment.co.za/locals/view/80/Ray-Nkonyeni-Local-Municipality"),
}

F_GEO11 = "MDB_Local_Municipal_Boundary_2011.geojson"
F_MUNI20 = "Muni_2020.shp"
F_DIST20 = "Districts_2020.shp"
F_WAZI = "wazimap_geographies.csv"
F_CENSUS = "census2011_indicators.csv"
F_LM16 = "LocalMunicipalities2016.dbf"
F_DM16 = "DistrictMunicipalities2016.dbf"
F_DM11 = "DistrictMunicipalities2011.dbf"

_SUFFIX = re.compile(r"\s+(Local|Metropolitan) Municipality$")


# ----------------------------------------------------------------------------------------------------------------
# reading


def data_dir() -> Path:
    value = os.environ.get("DDMGEO_DATA_DIR", "").strip()
    if not value:
        raise SystemExit("set DDMGEO_DATA_DIR to the shared data folder")
    return Path(value).expanduser().resolve()


def mdb2020_path(ddir: Path, member: str) -> str:
    """The 2021-demarcation.zip member (or the extracted copy next to the zip)."""
    zpath = ddir / "boundaries" / "openup_2021_demarcation" / "2021-demarcation.zip"
    if zpath.is_file():
        return f"zip://{zpath}!2021-demarcation/{member}"
    folder = zpath.with_suffix("") / member
    if folder.is_file():
        return str(folder)
    raise SystemExit(f"missing {zpath} (and its extracted folder)")


def short_name(name: str) -> str:
    """Muni_2020 name without the category suffix (NW372 'Local Municipality of Madibeng' -> 'Madibeng')."""
    if name.startswith("Local Municipality of "):
        return name[len("Local Municipality of "):]
    return _SUFFIX.sub("", name)


def norm(name: str) -> str:
    """Comparison key for names: case and spacing do not make a rename (eThekwini = Ethekwini)."""
    return " ".join(str(name).split()).casefold()


def polygonal(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """make_valid the invalid geometries, keeping only their polygonal parts."""
    out = geoms.copy()
    bad = ~out.is_valid
    if bad.any():
        fixed = shapely.make_valid(out[bad].values)
        fixed = [
            shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")])
            for g in fixed
        ]
        out.loc[bad] = fixed
    return out


def read_inputs(ddir: Path) -> dict:
    b = ddir / "boundaries"
    inp: dict = {}

    g11 = gpd.read_file(b / "mdb_2011" / F_GEO11, engine="pyogrio")
    g11 = g11.rename(columns={"LocalMunicipalityCode": "code", "DistrictMunicipalityCode": "district"})
    g11 = g11[["code", "district", "DistrictMunicipalityName", "geometry"]].sort_values("code").reset_index(drop=True)
    g11 = g11.to_crs(EQUAL_AREA_CRS)
    g11["geometry"] = polygonal(g11.geometry)
    inp["g11"] = g11

    g16 = gpd.read_file(mdb2020_path(ddir, F_MUNI20), engine="pyogrio", encoding="utf-8")
    g16 = g16.rename(columns={"Code": "code", "Parent_cod": "district", "Name": "name"})
    g16 = g16[["code", "district", "name", "geometry"]].sort_values("code").reset_index(drop=True)
    g16 = g16.to_crs(EQUAL_AREA_CRS)
    g16["geometry"] = polygonal(g16.geometry)
    inp["g16"] = g16

    d20 = pyogrio.read_dataframe(mdb2020_path(ddir, F_DIST20), read_geometry=False, encoding="utf-8")
    inp["d20_name"] = dict(zip(d20.Code, d20.Name))

    attr = b / "mdb_2016_attributes"
    lm16 = pyogrio.read_dataframe(attr / F_LM16, read_geometry=False)
    inp["lm16_name"] = dict(zip(lm16.CAT_B, lm16.MUNICNAME))
    dm16 = pyogrio.read_dataframe(attr / F_DM16, read_geometry=False)
    dm11 = pyogrio.read_dataframe(attr / F_DM11, read_geometry=False)
    inp["dm16_name"] = dict(zip(dm16.DISTRICT, dm16.DISTRICT_N))
    inp["dm11_name"] = dict(zip(dm11.DISTRICT, dm11.MUNICNAME))
    area16 = dict(zip(dm16.DISTRICT, dm16.Shape_Area))  # full-resolution MDB geometry, degrees²
    inp["dm_area_rel"] = {code: area16[code] / area - 1.0 for code, area in zip(dm11.DISTRICT, dm11.Shape_Area)}

    geo = pd.read_csv(ddir / "indicators" / F_WAZI, dtype={"geo_code": str, "demarcation": str, "parent_code": str})
    geo = geo[geo.geo_level.isin(["district", "municipality"])]
    inp["wazi"] = geo

    census = pd.read_csv(
        ddir / "indicators" / F_CENSUS,
        dtype={"geo_code": str},
        usecols=["geo_level", "geo_code", "demarcation", "indicator", "value"],
    )
    census = census[(census.indicator == "population") & census.geo_level.isin(["district", "municipality"])]
    inp["census"] = census
    return inp


# ----------------------------------------------------------------------------------------------------------------
# attribute evidence


class Evidence:
    """Per-code facts from the attribute tables: names, code sets, population and area changes."""

    def __init__(self, inp: dict):
        geo = inp["wazi"]
        muni = geo[geo.geo_level == "municipality"]
        self.name11 = dict(zip(muni[muni.demarcation == "2011"].geo_code, muni[muni.demarcation == "2011"].name))
        self.name16 = dict(zip(muni[muni.demarcation == "2016"].geo_code, muni[muni.demarcation == "2016"].name))
        self.parent11 = {}
        for r in muni[muni.demarcation == "2011"].itertuples():
            self.parent11[r.geo_code] = r.geo_code if r.parent_level == "province" else r.parent_code
        dist = geo[geo.geo_level == "district"]
        self.dname11 = dict(zip(dist[dist.demarcation == "2011"].geo_code, dist[dist.demarcation == "2011"].name))
        self.dname16 = dict(zip(dist[dist.demarcation == "2016"].geo_code, dist[dist.demarcation == "2016"].name))
        for m in METROS:
            self.dname11[m] = self.name11[m]
            self.dname16[m] = self.name16[m]
        self.old = set(self.name11)
        self.new = set(self.name16)
        self.retired = self.old - self.new
        self.created = self.new - self.old

        km = muni.pivot_table(index="geo_code", columns="demarcation", values="square_kms")
        both = km.dropna()
        self.ratio = (both["2016"] / both["2011"]).to_dict()
        self.ratio_base = float(np.median(list(self.ratio.values())))  # the two vintages' km² differ by ~0.15 %
        self.dkm = {c: both.at[c, "2016"] - self.ratio_base * both.at[c, "2011"] for c in both.index}

        census = inp["census"]
        cm = census[census.geo_level == "municipality"]
        pop = cm.pivot_table(index="geo_code", columns="demarcation", values="value")
        self.pop11 = pop[2011].dropna().astype(int).to_dict()
        self.pop16 = pop[2016].dropna().astype(int).to_dict()
        self.dpop = {c: self.pop16[c] - self.pop11[c] for c in self.old & self.new}

        # districts: 2011 population = sum of its 2011 municipalities; 2016 = the 2016-demarcation district rows
        self.dpop11: dict[str, int] = defaultdict(int)
        self.dsize11: dict[str, int] = defaultdict(int)
        for c, p in self.pop11.items():
            self.dpop11[self.parent11[c]] += p
            self.dsize11[self.parent11[c]] += 1
        cd = census[(census.geo_level == "district") & (census.demarcation == 2016)]
        self.dpop16 = dict(zip(cd.geo_code, cd.value.astype(int)))
        for m in METROS:
            self.dpop16[m] = self.pop16[m]
        self.dm_area_rel = inp["dm_area_rel"]

    # --- municipality-level change indicators (codes present in both vintages) ---
    def area_lost(self, c: str) -> bool:
        return c in self.ratio and self.ratio[c] < self.ratio_base - AREA_BAND

    def area_gained(self, c: str) -> bool:
        return c in self.ratio and self.ratio[c] > self.ratio_base + AREA_BAND

    def pop_lost(self, c: str) -> bool:
        return self.dpop.get(c, 0) <= -POP_TOL

    def pop_gained(self, c: str) -> bool:
        return self.dpop.get(c, 0) >= POP_TOL

    def pop_same(self, c: str) -> bool:
        return c in self.dpop and abs(self.dpop[c]) < POP_TOL

    def donor(self, c: str) -> bool:
        return c in self.retired or self.pop_lost(c) or self.area_lost(c)

    def receiver(self, c: str) -> bool:
        return c in self.created or self.pop_gained(c) or self.area_gained(c)

    def changed(self, c: str) -> bool:
        """Attribute evidence that a persisting municipality's boundary changed."""
        if c in METROS and abs(self.dm_area_rel[c]) > MDB_DISTRICT_BAND:
            return True
        return self.pop_lost(c) or self.pop_gained(c) or self.area_lost(c) or self.area_gained(c)

    def district_area_moved(self, c: str) -> bool:
        """The MDB 2011 and 2016 district tables give different areas (any amount)."""
        return abs(self.dm_area_rel[c]) > 1e-6

    def district_changed(self, c: str) -> bool:
        """Attribute evidence that a district's boundary changed (MDB area, or population beyond rounding)."""
        tolerance = POP_TOL + self.dsize11[c] - 1
        return abs(self.dm_area_rel[c]) > MDB_DISTRICT_BAND or abs(self.dpop16[c] - self.dpop11[c]) >= tolerance

    def describe(self, c: str) -> str:
        """'EC123 pop -8159, km² -2.1%' / 'EC103 retired' / 'EC129 new'."""
        if c in self.retired:
            return f"{c} retired"
        if c in self.created:
            return f"{c} new"
        return f"{c} pop {self.dpop[c]:+d}, km² {pct(self.ratio[c] / self.ratio_base - 1, 1)}"

    def describe_district(self, c: str) -> str:
        return f"{c} pop {self.dpop16[c] - self.dpop11[c]:+d}, MDB area {pct(self.dm_area_rel[c], 2)}"


def pct(x: float, decimals: int) -> str:
    """Signed percentage without a negative zero: -0.00001 -> '+0.0%'."""
    text = f"{x * 100:+.{decimals}f}"
    return ("+" + text[1:] if float(text) == 0 else text) + "%"


# ----------------------------------------------------------------------------------------------------------------
# geometry


def overlay_shares(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> pd.DataFrame:
    """All (old, new) pairs whose polygons intersect, with intersection area and both shares."""
    a = old[["code", "geometry"]].rename(columns={"code": "old"})
    b = new[["code", "geometry"]].rename(columns={"code": "new"})
    a["a_old"] = a.area
    b["a_new"] = b.area
    ov = gpd.overlay(a, b, how="intersection", keep_geom_type=True)
    ov["a_int"] = ov.area
    ov = ov.groupby(["old", "new"], as_index=False).agg(
        a_int=("a_int", "sum"), a_old=("a_old", "first"), a_new=("a_new", "first")
    )
    ov = ov[ov.a_int > 0].copy()
    ov["so"] = ov.a_int / ov.a_old
    ov["sn"] = ov.a_int / ov.a_new
    ov["m"] = ov[["so", "sn"]].max(axis=1)
    return ov.sort_values(["old", "new"]).reset_index(drop=True)


def dissolve(g: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    d = g[[by, "geometry"]].dissolve(by=by).reset_index().rename(columns={by: "code"})
    d["geometry"] = polygonal(d.geometry.make_valid())
    return d.sort_values("code").reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------------
# selecting the real municipal pairs


def select_municipal_pairs(ov: pd.DataFrame, ev: Evidence, dist16: dict) -> tuple[dict, list[str]]:
    """Kept (old, new) pairs -> the rule that kept them; plus a log of the balance steps."""
    kept: dict[tuple[str, str], str] = {}
    log: list[str] = []

    def districts_allow(a: str, b: str) -> bool:
        """A pair across district borders needs both districts' MDB areas to differ between 2011 and 2016."""
        da, db = ev.parent11[a], dist16[b]
        return da == db or (ev.district_area_moved(da) and ev.district_area_moved(db))

    for r in ov.itertuples():
        if r.old == r.new:
            kept[(r.old, r.new)] = "same code"
        elif r.m >= STRONG:
            kept[(r.old, r.new)] = "strong"
        elif r.m >= SLIVER and ev.donor(r.old) and ev.receiver(r.new) and districts_allow(r.old, r.new):
            kept[(r.old, r.new)] = "weak"
    for c in sorted(ev.old & ev.new):  # a same-code pair even if the geometry misses it
        kept.setdefault((c, c), "same code")

    # area balance: unpopulated land between two municipalities whose population did not change
    cands = []
    for r in ov.itertuples():
        a, b = r.old, r.new
        if (a, b) in kept or a == b or r.m < AREA_BALANCE_MIN or not (ev.pop_same(a) and ev.pop_same(b)):
            continue
        da, db = ev.dkm[a], ev.dkm[b]
        if (da < 0 < db and (ev.area_lost(a) or ev.area_gained(b))
                and abs(da + db) <= AREA_BALANCE_TOL * max(-da, db) and districts_allow(a, b)):
            cands.append((abs(da + db), a, b, da, db))
    for _, a, b, da, db in sorted(cands):  # best-balanced first; each donor and receiver used once
        if any(x == a or y == b for (x, y), rule in kept.items() if rule.startswith("area balance")):
            continue
        kept[(a, b)] = f"area balance ({da:+.0f}/{db:+.0f} km² in {F_WAZI})"
        log.append(f"area balance: {a}->{b} ({da:+.1f}/{db:+.1f} km²)")

    # population balance: join groups of kept pairs whose Census-2011 residuals cancel
    inter = {(r.old, r.new): r.a_int for r in ov.itertuples() if r.old != r.new and districts_allow(r.old, r.new)}
    while True:
        comps = components(kept, ev)
        res = [residual(c, ev) for c in comps]
        off = [i for i, c in enumerate(comps) if abs(res[i]) >= group_tolerance(c)]
        best = None
        for size in (2, 3):
            for subset in combinations(off, size):
                total = sum(res[i] for i in subset)
                if abs(total) >= group_tolerance(set().union(*(comps[i] for i in subset))):
                    continue
                link = link_groups(subset, comps, res, inter)
                if link is not None:
                    key = (abs(total), -link[0], subset)
                    if best is None or key < best[0]:
                        best = (key, subset, link[1])
            if best is not None:
                break
        if best is None:
            break
        _, subset, edges = best
        moved = " / ".join(f"{res[i]:+d}" for i in subset)
        for a, b in edges:
            kept[(a, b)] = f"population balance ({moved} persons)"
            log.append(f"population balance: {a}->{b} (groups {moved} persons)")
    return kept, log


def link_groups(subset: tuple, comps: list[set], res: list[int], inter: dict) -> tuple[float, list] | None:
    """Edges joining 2-3 groups into a star whose flows match their residuals; None if impossible.

    A leaf group with a negative residual lost persons, so the edge runs from one of
    its old areas to a new area of the centre group; a leaf with a positive residual
    gained, so the edge runs from an old area of the centre to one of its new areas.
    Among the possible stars and candidate pairs, the largest intersections win.
    """
    olds = {i: sorted(c for t, c in comps[i] if t == "o") for i in subset}
    news = {i: sorted(c for t, c in comps[i] if t == "n") for i in subset}
    best = None
    for centre in subset:
        score, edges = 0.0, []
        for leaf in subset:
            if leaf == centre:
                continue
            src, dst = (olds[leaf], news[centre]) if res[leaf] < 0 else (olds[centre], news[leaf])
            cand = [(inter[(a, b)], a, b) for a in src for b in dst if (a, b) in inter]
            if not cand:
                break
            area, a, b = max(cand)
            score += area
            edges.append((a, b))
        else:
            if best is None or score > best[0]:
                best = (score, edges)
    return best


def group_tolerance(comp: set) -> int:
    """Random rounding noise of a group's Census-2011 residual grows with its number of codes."""
    return POP_TOL + len({c for _, c in comp}) - 1


def components(kept: dict, ev: Evidence) -> list[set]:
    """Connected groups of ('o', old code) and ('n', new code) nodes joined by the kept pairs."""
    parent = {node: node for node in [("o", c) for c in ev.old] + [("n", c) for c in ev.new]}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in sorted(kept):
        ra, rb = root(("o", a)), root(("n", b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict = defaultdict(set)
    for node in parent:
        groups[root(node)].add(node)
    return sorted(groups.values(), key=lambda s: sorted(s))


def residual(comp: set, ev: Evidence) -> int:
    """Census 2011 persons: new areas of the group (2016 demarcation) minus its old areas (2011)."""
    return sum(ev.pop16[c] for t, c in comp if t == "n") - sum(ev.pop11[c] for t, c in comp if t == "o")


# ----------------------------------------------------------------------------------------------------------------
# classification


def classify(pairs: list[tuple[str, str]], so: dict, old_name: dict, new_name: dict, retired: set,
             attr_changed) -> dict:
    """(old, new) -> list of change labels."""
    rows_old, rows_new = defaultdict(list), defaultdict(list)
    for a, b in pairs:
        rows_old[a].append(b)
        rows_new[b].append(a)
    whole = {a for a in rows_old if len(rows_old[a]) == 1}  # went wholly into one new area
    out = {}
    for a, b in pairs:
        tags = []
        if a == b:
            if norm(old_name[a]) != norm(new_name[b]):
                tags.append("renamed")
            if len(rows_old[a]) > 1 and so[(a, b)] < SPLIT_BELOW:
                tags.append("split")
            elif a in whole and any(p != a and p in whole for p in rows_new[b]):
                tags.append("merged")
            elif len(rows_old[a]) > 1 or len(rows_new[b]) > 1 or attr_changed(a):
                tags.append("boundary_changed")
        elif a in retired:
            if len(rows_old[a]) > 1:
                tags.append("split")
            elif len(rows_new[b]) > 1:
                tags.append("merged")
            else:
                if norm(old_name[a]) != norm(new_name[b]):
                    tags.append("renamed")
                tags.append("code_changed")
        else:
            same = so.get((a, a), 0.0)
            tags.append("split" if same < SPLIT_BELOW else "boundary_changed")
        out[(a, b)] = sorted(tags, key=CHANGE_ORDER.index) or ["unchanged"]
    return out


def year_for(tags: list[str], code: str) -> str:
    if tags == ["unchanged"]:
        return ""
    years = []
    for t in tags:
        if t == "renamed":
            years.append(str(RENAMES[code][0]) if code in RENAMES else "")
        else:
            years.append(str(DEMARCATION_YEAR))
    return years[0] if len(set(years)) == 1 else ";".join(years)


def name_interval(sources: list[tuple[str, str | None]]) -> str:
    """"'Cacadu' in A, B; 'Sarah Baartman' in C" from (source, name) pairs."""
    groups: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for src, name in sources:
        if name is None or (isinstance(name, float) and np.isnan(name)):
            continue
        k = norm(name)
        groups.setdefault(k, []).append(src)
        shown.setdefault(k, name)
    return "; ".join(f"'{shown[k]}' in {', '.join(v)}" for k, v in groups.items())


# ----------------------------------------------------------------------------------------------------------------
# building the table


def build(inp: dict) -> tuple[pd.DataFrame, dict]:
    ev = Evidence(inp)
    g11, g16 = inp["g11"], inp["g16"]
    diag: dict = {}

    # --- names ---
    d20_name = inp["d20_name"]
    mname16 = {c: (d20_name[c] if c in METROS else short_name(n)) for c, n in zip(g16.code, g16.name)}
    dname16 = {c: d20_name[c] for c in d20_name}
    mname11, dname11 = ev.name11, ev.dname11

    # --- municipalities ---
    ov = overlay_shares(g11, g16)
    dist16 = dict(zip(g16.code, g16.district))
    kept, log = select_municipal_pairs(ov, ev, dist16)
    diag["balance_log"] = log
    shares = {(r.old, r.new): (r.so, r.sn) for r in ov.itertuples()}
    pairs = sorted(kept)
    so = {p: shares.get(p, (0.0, 0.0))[0] for p in pairs}
    mtags = classify(pairs, so, mname11, mname16, ev.retired, ev.changed)
    not_kept = np.array([(o, n) not in kept for o, n in zip(ov.old, ov.new)])
    diag["dropped"] = ov[not_kept & (ov.m >= SLIVER).to_numpy()]
    diag["components"] = [(residual(c, ev), group_tolerance(c), c) for c in components(kept, ev)]

    rows = []
    for a, b in pairs:
        tags = mtags[(a, b)]
        s_old, s_new = shares.get((a, b), (0.0, 0.0))
        rows.append(dict(
            level="municipality", old_code=a, old_name=mname11[a], old_vintage=OLD_VINTAGE,
            new_code=b, new_name=mname16[b], new_vintage=NEW_VINTAGE, change=";".join(tags),
            share_of_old=s_old, share_of_new=s_new, year=year_for(tags, b),
            source=municipal_source(a, b, tags, kept[(a, b)], ev, inp, mname16),
        ))

    # --- districts: parents of the kept municipal pairs ---
    d11 = dissolve(g11, "district")
    d16 = dissolve(g16, "district")
    dov = overlay_shares(d11, d16)
    dshares = {(r.old, r.new): (r.so, r.sn) for r in dov.itertuples()}
    via: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a, b in pairs:
        da, db = ev.parent11[a], dist16[b]
        if da != db:
            via[(da, db)].append(f"{a}->{b}")
    dpairs = sorted(set(via) | {(c, c) for c in d11.code})
    dso = {p: dshares.get(p, (0.0, 0.0))[0] for p in dpairs}
    dtags = classify(dpairs, dso, dname11, dname16, set(), ev.district_changed)
    diag["district_pairs_without_overlap"] = [p for p in dpairs if p not in dshares]
    for a, b in dpairs:
        tags = dtags[(a, b)]
        s_old, s_new = dshares.get((a, b), (0.0, 0.0))
        rows.append(dict(
            level="district", old_code=a, old_name=dname11[a], old_vintage=OLD_VINTAGE,
            new_code=b, new_name=dname16[b], new_vintage=NEW_VINTAGE, change=";".join(tags),
            share_of_old=s_old, share_of_new=s_new, year=year_for(tags, b),
            source=district_source(a, b, tags, via, ev, inp, dname16),
        ))

    df = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("share_of_old", "share_of_new"):
        df[col] = df[col].clip(upper=1.0).round(DECIMALS)
    df = df.sort_values(["level", "old_code", "new_code"]).reset_index(drop=True)
    return df, {"ev": ev, "ov": ov, "kept": kept, **diag}


def rename_source(code: str, names: list[tuple[str, str | None]]) -> str:
    text = name_interval(names)
    if code in RENAMES:
        return f"{RENAMES[code][1]}; {text}"
    return f"rename year not established; {text}"


def municipal_source(a: str, b: str, tags: list[str], rule: str, ev: Evidence, inp: dict, mname16: dict) -> str:
    parts = [f"overlap {F_GEO11} x {F_MUNI20}"]
    if rule not in ("same code", "strong", "weak"):
        parts.append(f"pair from {rule} in {F_CENSUS}" if rule.startswith("population") else f"pair from {rule}")
    if a == b and tags == ["unchanged"]:
        parts.append(f"{F_CENSUS} population and {F_WAZI} km² unchanged")
    else:
        facts = [ev.describe(a)] if a == b else [ev.describe(a), ev.describe(b)]
        parts.append(f"{F_CENSUS} pop / {F_WAZI} km², 2011->2016 demarcation: {', '.join(facts)}")
        if b in METROS and abs(ev.dm_area_rel[b]) > MDB_DISTRICT_BAND:
            parts.append(f"{F_DM11}/{F_DM16} Shape_Area {pct(ev.dm_area_rel[b], 2)}")
    mdb = inp["lm16_name"].get(b)
    if mdb is not None and norm(mdb) != norm(mname16[b]) and (b in ev.created or "merged" in tags or "split" in tags):
        parts.append(f"{F_LM16} MUNICNAME '{mdb}'")
    if "renamed" in tags:
        parts.append(rename_source(b, [
            (f"{F_WAZI} 2011", ev.name11.get(a)), (f"{F_WAZI} 2016", ev.name16.get(b)),
            (F_LM16, inp["lm16_name"].get(b)), (F_MUNI20, mname16[b]),
        ]))
    return "; ".join(parts)


def district_source(a: str, b: str, tags: list[str], via: dict, ev: Evidence, inp: dict, dname16: dict) -> str:
    parts = [f"overlap {F_GEO11} dissolved by DistrictMunicipalityCode x {F_MUNI20} dissolved by Parent_cod"]
    if a != b:
        parts.append(f"municipal pairs {', '.join(via[(a, b)])}")
    elif "boundary_changed" in tags:
        out = sorted(p for (x, y), v in via.items() if x == a for p in v)
        inn = sorted(p for (x, y), v in via.items() if y == b for p in v)
        if out or inn:
            parts.append(f"municipal pairs {', '.join(sorted(set(out + inn)))}")
    facts = [ev.describe_district(a)] if a == b else [ev.describe_district(a), ev.describe_district(b)]
    parts.append(f"{F_CENSUS} pop, {F_DM11}/{F_DM16} Shape_Area: {', '.join(facts)}")
    if "renamed" in tags:
        geo11 = inp["g11"].drop_duplicates("district").set_index("district").DistrictMunicipalityName
        parts.append(rename_source(b, [
            (F_DM11, inp["dm11_name"].get(a)), (f"{F_WAZI} 2011", ev.dname11.get(a)),
            (F_GEO11, geo11.get(a)), (F_DM16, inp["dm16_name"].get(b)),
            (f"{F_WAZI} 2016", ev.dname16.get(b)), (F_DIST20, dname16[b]),
        ]))
    return "; ".join(parts)


# ----------------------------------------------------------------------------------------------------------------
# checks


def letters(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.casefold())


def same_stem(a: str, b: str) -> bool:
    """'mookgophong' ~ 'mookgopong', 'tlokwe' ~ 'tlokwecitycouncil'."""
    return a.startswith(b) or b.startswith(a) or a[:6] == b[:6]


def check(df: pd.DataFrame, info: dict) -> list[str]:
    """Sanity checks; returns report lines, raises on a failed hard check."""
    ev: Evidence = info["ev"]
    lines: list[str] = []
    fail: list[str] = []
    m, d = df[df.level == "municipality"], df[df.level == "district"]
    dist11 = set(ev.parent11.values())
    dist16 = set(ev.dname16)
    for label, got, want in (
        ("2011 municipalities as old_code", set(m.old_code), ev.old),
        ("2016 municipalities as new_code", set(m.new_code), ev.new),
        ("2011 districts as old_code", set(d.old_code), dist11),
        ("2016 districts as new_code", set(d.new_code), dist16),
    ):
        ok = got == want
        lines.append(f"{label}: {len(got)} (expected {len(want)}) {'OK' if ok else 'MISMATCH'}")
        if not ok:
            fail.append(f"{label}: missing {sorted(want - got)}, extra {sorted(got - want)}")
    for level, sub in (("municipality", m), ("district", d)):
        s = sub.groupby("old_code").share_of_old.sum()
        lines.append(f"{level}: sum of share_of_old per old code min {s.min():.4f} ({s.idxmin()}) "
                     f"max {s.max():.4f} ({s.idxmax()})")
        t = sub.groupby("new_code").share_of_new.sum()
        lines.append(f"{level}: sum of share_of_new per new code min {t.min():.4f} ({t.idxmin()}) "
                     f"max {t.max():.4f} ({t.idxmax()})")
    bad = m[m.old_code.isin(ev.retired) & ~m.change.str.contains("merged|split|code_changed")]
    lines.append(f"retired codes: {len(ev.retired)}, rows not merged/split/code_changed: {len(bad)}")
    if len(bad):
        fail.append(f"retired codes with other changes: {bad[['old_code', 'new_code', 'change']].values.tolist()}")
    preds = m[m.new_code.isin(ev.created)].groupby("new_code").old_code.apply(lambda s: sorted(s))
    lines.append(f"new codes: {len(ev.created)}, with predecessors: {len(preds)}")
    for c, p in preds.items():
        lines.append(f"  {c} <- {', '.join(p)}")
    if set(preds.index) != ev.created:
        fail.append(f"new codes without predecessors: {sorted(ev.created - set(preds.index))}")
    # MDB 2016 names such as 'Camdeboo/Ikwezi/Baviaans' name the predecessors of a merged municipality
    lm16 = info["lm16"]
    for code, name in sorted(lm16.items()):
        parts = [p for p in re.split(r"(?<!/)/(?!/)", name) if p]
        main = sorted(m[(m.new_code == code) & (m.share_of_old >= 0.5)].old_code)
        if len(parts) < 2 or (code not in ev.created and len(main) < 2):
            continue
        got = [letters(ev.name11[c]) for c in main]
        ok = len(got) == len(parts) and all(any(same_stem(letters(p), g) for g in got) for p in parts)
        lines.append(f"{F_LM16} {code} '{name}': main predecessors {', '.join(main)} {'OK' if ok else 'CHECK'}")
    comps = info["components"]
    unbalanced = [(r, c) for r, tol, c in comps if abs(r) >= tol]
    lines.append(f"population balance: {len(comps)} groups, {len(unbalanced)} off by more than rounding noise")
    for r, c in unbalanced:
        lines.append(f"  {r:+d}: {sorted(x for t, x in c if t == 'o')} -> {sorted(x for t, x in c if t == 'n')}")
    # district rows vs the MDB 2011/2016 district areas (full-resolution geometry, independent of the overlay)
    tiny = []
    for code in sorted(dist11):
        rel = ev.dm_area_rel[code]
        touching = d[(d.old_code == code) | (d.new_code == code)]
        rows_changed = touching.change.str.contains("boundary_changed|split|merged").any()
        if rows_changed and not ev.district_area_moved(code):
            lines.append(f"CHECK district {code}: boundary change rows but equal MDB 2011/2016 areas")
        elif not rows_changed and abs(rel) > MDB_DISTRICT_BAND:
            lines.append(f"CHECK district {code}: MDB area {pct(rel, 3)} but no boundary change rows")
        elif not rows_changed and ev.district_area_moved(code):
            tiny.append(f"{code} {pct(rel, 4)}")
    lines.append(f"districts unchanged although their MDB area moved by less than {pct(MDB_DISTRICT_BAND, 2)}: "
                 f"{', '.join(tiny)}")
    loose = sorted(set(m[(m.old_code == m.new_code) & m.change.str.contains("boundary_changed")].old_code)
                   - set(m[m.old_code != m.new_code].old_code) - set(m[m.old_code != m.new_code].new_code))
    lines.append("boundary_changed on attribute evidence only (counterpart below the sliver threshold): "
                 f"{', '.join(loose)}")
    for line in info["balance_log"]:
        lines.append(line)
    lines.append("uncorroborated overlaps >= sliver threshold (dropped):")
    for r in info["dropped"].itertuples():
        lines.append(f"  {r.old}->{r.new} share_of_old {r.so:.3f} share_of_new {r.sn:.3f}")
    if info["district_pairs_without_overlap"]:
        lines.append(f"district pairs without geometric overlap: {info['district_pairs_without_overlap']}")
    counts = df.groupby(["level", "change"]).size()
    lines.append("rows per change:")
    for (level, change), n in counts.items():
        lines.append(f"  {level:12s} {change:28s} {n}")
    if fail:
        raise SystemExit("lineage checks failed:\n" + "\n".join(fail))
    return lines


def main() -> None:
    t0 = time.perf_counter()
    inp = read_inputs(data_dir())
    df, info = build(inp)
    info["lm16"] = inp["lm16_name"]
    report = check(df, info)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT, index=False, float_format=f"%.{DECIMALS}f", lineterminator="\n")
    print("\n".join(report))
    print(f"wrote {OUT} ({len(df)} rows) in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
