"""Let the notebooks find the real data as the tests do: $DDMGEO_DATA_DIR, else ../shared/data beside the clone."""

import os
from pathlib import Path

_shared = Path(__file__).resolve().parents[2] / "shared" / "data"
if not os.environ.get("DDMGEO_DATA_DIR") and _shared.is_dir():
    os.environ["DDMGEO_DATA_DIR"] = str(_shared)
