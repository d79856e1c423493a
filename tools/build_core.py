"""Build ddmgeo's embedded core (src/ddmgeo/_embedded/core.zip) from the registered datasets.

The core holds what the main jobs need offline: the province, district and municipality
boundaries of the default vintage with their cartographic versions, the tidy facts of the
indicator tables and the indicator cube (see ddmgeo._core). Run it with the data reachable:

    DDMGEO_DATA_DIR=../shared/data python tools/build_core.py

It refuses a core over 8 MB or one that would hold data under a non-commercial licence.
tests/test_core.py rebuilds the core the same way and compares its contents with the committed one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from ddmgeo import _core

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=_core.CORE_FILE, help="where to write the core (default: the package's)")
    args = parser.parse_args(argv)
    if not os.environ.get("DDMGEO_DATA_DIR"):
        print("build_core: set DDMGEO_DATA_DIR to the data folder (e.g. ../shared/data)", file=sys.stderr)
        return 2
    # a private cache: the core is built from the data, never from products cached earlier
    os.environ["DDMGEO_CACHE_DIR"] = tempfile.mkdtemp(prefix="ddmgeo-core-")
    doc = _core.build(args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size:,} bytes, {len(doc['members'])} products from {len(doc['datasets'])} datasets)")
    for key, entry in sorted(doc["members"].items()):
        print(f"  {entry['size']:>10,}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
