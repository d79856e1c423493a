"""Overlay layers: South-Africa bounding-box subsets of Natural Earth and GeoNames world files.

Three recipes:

* :func:`natural_earth_za` serves four datasets (populated places, rivers, lakes, urban
  areas). Its single input is a registered Natural Earth file: a 7-Zip archive holding one
  GeoJSON member (``ne_10m_*.7z``) or a plain GeoJSON (``ne_50m_urban_areas.json``); which
  one is told by the file's first bytes, so nothing but the input decides what is done.
* :func:`geonames_za` keeps the rows of GeoNames ``cities15000.txt`` inside the box.
* :func:`neighbours_za` decodes the countries that border South Africa from the Natural Earth
  1:10m admin-0 TopoJSON of the npm package ``world-atlas`` (the map's neighbouring countries).

Conversion rules (these reproduce the registered files byte for byte):

* the box is 16.3-33.0 E, 35.0-22.0 S, ``shapely.geometry.box(16.3, -35.0, 33.0, -22.0)``;
* Natural Earth: a feature is kept when its geometry *intersects* the box (features with a
  null geometry are dropped); kept features are written unchanged and in upstream order, one
  ``json.dumps(feature, ensure_ascii=False)`` per line, inside the GDAL-style wrapper
  ``{\\n"type": "FeatureCollection",\\n"features": [\\n`` ... ``\\n]\\n}\\n``. Coordinates are
  the same doubles as upstream; only their text form changes (shortest round-trip repr);
* world-atlas: the member ``package/countries-10m.json`` of the package tarball is decoded as
  TopoJSON (arcs delta-decoded, ``x * scale + translate``, rings joined dropping each following
  arc's first point); the countries whose ISO 3166-1 numeric id is in :data:`NEIGHBOURS` are
  written in upstream order with properties ``iso_n3`` and ``name``, in the same wrapper;
* GeoNames: a tab-separated line is kept when ``16.3 <= longitude <= 33.0`` and
  ``-35.0 <= latitude <= -22.0`` (both ends included); its 19 fields are written unchanged as
  a UTF-8 CSV (minimal quoting, ``\\r\\n`` line ends, the csv module's default) under the
  standard GeoNames column names.
"""

from __future__ import annotations

import csv
import json
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .._optional import require

__all__ = ["BBOX", "GEONAMES_COLUMNS", "NEIGHBOURS", "geonames_za", "natural_earth_za", "neighbours_za"]

#: The South Africa box as (west, south, east, north), degrees (EPSG:4326).
BBOX: tuple[float, float, float, float] = (16.3, -35.0, 33.0, -22.0)

#: The standard column names of a GeoNames dump (``cities15000.txt`` has no header).
GEONAMES_COLUMNS: tuple[str, ...] = (
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "latitude",
    "longitude",
    "feature_class",
    "feature_code",
    "country_code",
    "cc2",
    "admin1_code",
    "admin2_code",
    "admin3_code",
    "admin4_code",
    "population",
    "elevation",
    "dem",
    "timezone",
    "modification_date",
)

#: The countries that share a land border with South Africa, by ISO 3166-1 numeric code.
NEIGHBOURS: dict[str, str] = {"072": "Botswana", "426": "Lesotho", "508": "Mozambique", "516": "Namibia", "716": "Zimbabwe", "748": "eSwatini"}

_WORLD_ATLAS_MEMBER = "package/countries-10m.json"

_SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
_HEAD = '{\n"type": "FeatureCollection",\n"features": [\n'
_TAIL = "\n]\n}\n"


def natural_earth_za(inputs: Mapping[str, Path], out: Path) -> None:
    """Write the features of a Natural Earth GeoJSON that intersect the South Africa box.

    Parameters
    ----------
    inputs : Mapping[str, pathlib.Path]
        Exactly one input (any key): a 7-Zip archive with one ``.json`` member, or a GeoJSON file.
    out : pathlib.Path
        The GeoJSON FeatureCollection to write (UTF-8).

    Raises
    ------
    ddmgeo.errors.MissingDependencyError
        The input is a 7-Zip archive and ``py7zr`` is not installed.
    ValueError
        Not exactly one input, or the archive does not hold exactly one ``.json`` member.
    """
    collection = _load_geojson(_single(inputs))
    kept = _intersecting(collection.get("features") or [], BBOX)
    _write_feature_collection(kept, out)


def geonames_za(inputs: Mapping[str, Path], out: Path) -> None:
    """Write the GeoNames rows inside the South Africa box as a CSV with a header.

    Parameters
    ----------
    inputs : Mapping[str, pathlib.Path]
        Exactly one input (key ``cities15000.txt``): a headerless, tab-separated GeoNames dump.
    out : pathlib.Path
        The CSV to write (UTF-8, ``\\r\\n`` line ends).

    Raises
    ------
    ValueError
        Not exactly one input, or a line without the 19 GeoNames fields.
    """
    rows = _geonames_rows(_single(inputs))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(GEONAMES_COLUMNS)
        writer.writerows(row for row in rows if _in_bbox(float(row[5]), float(row[4]), BBOX))


def neighbours_za(inputs: Mapping[str, Path], out: Path) -> None:
    """Write the countries bordering South Africa, decoded from world-atlas's 1:10m TopoJSON.

    Parameters
    ----------
    inputs : Mapping[str, pathlib.Path]
        Exactly one input: the ``world-atlas`` npm package tarball (``.tgz``).
    out : pathlib.Path
        The GeoJSON FeatureCollection to write (UTF-8), one feature per country of :data:`NEIGHBOURS`.

    Raises
    ------
    ValueError
        Not exactly one input, the tarball has no ``package/countries-10m.json``, or a neighbour is missing.
    """
    with tarfile.open(_single(inputs), "r:gz") as tar:
        member = tar.extractfile(_WORLD_ATLAS_MEMBER)
        if member is None:
            raise ValueError(f"the world-atlas tarball has no {_WORLD_ATLAS_MEMBER}")
        topology = json.loads(member.read().decode("utf-8"))
    kept = [f for f in _topojson_features(topology, "countries") if f["properties"]["iso_n3"] in NEIGHBOURS]
    missing = sorted(set(NEIGHBOURS) - {f["properties"]["iso_n3"] for f in kept})
    if missing:
        raise ValueError(f"world-atlas countries-10m.json lacks {', '.join(NEIGHBOURS[m] for m in missing)}")
    _write_feature_collection(kept, out)


def _topojson_features(topology: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The (multi)polygon features of TopoJSON object *name*, decoded to GeoJSON features."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append([x * sx + tx, y * sy + ty])
        arcs.append(points)

    def ring(indices: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for i in indices:
            part = arcs[i] if i >= 0 else arcs[~i][::-1]
            coords.extend(part if not coords else part[1:])
        return coords

    features = []
    for geom in topology["objects"][name]["geometries"]:
        if geom.get("type") == "Polygon":
            geometry = {"type": "Polygon", "coordinates": [ring(r) for r in geom["arcs"]]}
        elif geom.get("type") == "MultiPolygon":
            geometry = {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in geom["arcs"]]}
        else:
            continue
        props = {"iso_n3": str(geom.get("id", "")), "name": (geom.get("properties") or {}).get("name", "")}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return features


def _single(inputs: Mapping[str, Path]) -> Path:
    """The only input path; these recipes take exactly one."""
    if len(inputs) != 1:
        raise ValueError(f"expected exactly one input, got {len(inputs)}: {sorted(inputs)}")
    return Path(next(iter(inputs.values())))


def _load_geojson(path: Path) -> dict[str, Any]:
    """Parse a GeoJSON file, or the single ``.json`` member of a 7-Zip archive."""
    with open(path, "rb") as fh:
        is_7z = fh.read(len(_SEVEN_ZIP_MAGIC)) == _SEVEN_ZIP_MAGIC
    if not is_7z:
        return json.loads(path.read_bytes().decode("utf-8"))
    return json.loads(_read_7z_json_member(path).decode("utf-8"))


def _read_7z_json_member(path: Path) -> bytes:
    """The bytes of the one ``.json`` member of 7-Zip archive *path*."""
    py7zr = require("py7zr", "build", "to open the Natural Earth .7z archives")
    with py7zr.SevenZipFile(path, mode="r") as archive:
        members = [name for name in archive.getnames() if name.lower().endswith((".json", ".geojson"))]
        if len(members) != 1:
            raise ValueError(f"{path.name}: expected one GeoJSON member, found {members or 'none'}")
        with tempfile.TemporaryDirectory(prefix="ddmgeo-7z-") as tmp:
            archive.extractall(path=tmp)
            return (Path(tmp) / members[0]).read_bytes()


def _intersecting(features: Iterable[dict[str, Any]], bbox: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    """The features whose geometry intersects *bbox*, in their order; null geometries are dropped."""
    from shapely.geometry import box, shape

    area = box(*bbox)
    return [f for f in features if f.get("geometry") and shape(f["geometry"]).intersects(area)]


def _write_feature_collection(features: list[dict[str, Any]], out: Path) -> None:
    """Write *features* as a FeatureCollection, one feature per line (the layout of GDAL's GeoJSON)."""
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(_HEAD + body + _TAIL)


def _geonames_rows(path: Path) -> Iterator[list[str]]:
    """The tab-separated fields of each line of a GeoNames dump, unchanged."""
    with open(path, encoding="utf-8", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            fields = line.rstrip("\r\n").split("\t")
            if fields == [""]:
                continue
            if len(fields) != len(GEONAMES_COLUMNS):
                raise ValueError(f"{path.name} line {number}: {len(fields)} fields, expected {len(GEONAMES_COLUMNS)}")
            yield fields


def _in_bbox(lon: float, lat: float, bbox: tuple[float, float, float, float]) -> bool:
    """Whether (lon, lat) lies in *bbox*, edges included."""
    west, south, east, north = bbox
    return west <= lon <= east and south <= lat <= north
