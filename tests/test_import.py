"""`import ddmgeo` reads no data, opens no connection and loads no heavy module."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import json, sys
    events = []
    DATA = (".csv", ".toml", ".zip", ".parquet", ".geojson", ".shp", ".dbf", ".tif", ".json")
    def hook(event, args):
        if event == "open" and args and isinstance(args[0], str) and args[0].endswith(DATA):
            events.append(["open", args[0]])
        elif event.startswith("socket.") or event in ("urllib.Request", "http.client.connect"):
            events.append([event, repr(args)[:200]])
    sys.addaudithook(hook)
    import ddmgeo
    heavy = [m for m in ("geopandas", "pandas", "shapely", "pyogrio", "pyproj", "pooch", "matplotlib", "rasterio", "requests") if m in sys.modules]
    print(json.dumps({"events": events, "heavy": heavy, "version": ddmgeo.__version__}))
    """
)


def _probe():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_does_no_io_and_no_network():
    result = _probe()
    assert result["events"] == [], f"import ddmgeo touched data or the network: {result['events']}"


def test_import_is_lazy():
    result = _probe()
    assert result["heavy"] == [], f"import ddmgeo imported heavy modules eagerly: {result['heavy']}"
    assert result["version"]


def test_lazy_attributes_resolve():
    import ddmgeo

    assert callable(ddmgeo.boundaries) and callable(ddmgeo.districts) and callable(ddmgeo.resolve) and callable(ddmgeo.lineage)
    assert ddmgeo.errors.UnknownAreaError.__mro__[1:3] == (ddmgeo.errors.DDMGeoError, KeyError)
    assert "resolve" in dir(ddmgeo)


def test_unknown_attribute_is_attribute_error():
    import ddmgeo
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ddmgeo.nope  # noqa: B018


def test_error_tree_subclasses_builtins():
    from ddmgeo import errors

    assert issubclass(errors.DataNotAvailableError, OSError)
    assert issubclass(errors.DataIntegrityError, OSError)
    assert issubclass(errors.UnknownAreaError, KeyError)
    assert issubclass(errors.AmbiguousAreaError, ValueError)
    assert issubclass(errors.CRSError, ValueError)
    assert issubclass(errors.VintageError, ValueError)
    assert issubclass(errors.FormerNameWarning, UserWarning)
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, (errors.DDMGeoError, errors.DDMGeoWarning))
    # KeyError subclasses print their message, not its repr
    assert str(errors.UnknownAreaError("no such area")) == "no such area"
