"""Make the still images of the README and the documentation's gallery from the figures of ``bonemodel reproduce``.

Renders each HTML figure with headless Chromium (Debian package ``chromium``) into
``docs/images/<figure>.png``. A maintenance script, not part of the package or the tests:

    python docs/make_images.py [--only inflammation_timecourses ...]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--virtual-time-budget=8000",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="example scripts to run (default: all)")
    parser.add_argument("--size", default="1400,1100", help="window size WIDTH,HEIGHT in pixels")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        print("no Chromium found: apt-get install chromium", file=sys.stderr)
        return 2
    images = HERE / "images"
    images.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        command = [sys.executable, "-m", "bonemodel.cli", "reproduce", "--out", str(out)]
        for name in args.only or []:
            command += ["--only", name]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        for html in sorted(out.glob("*.html")):
            png = images / f"{html.stem}.png"
            with tempfile.TemporaryDirectory() as profile:
                subprocess.run(
                    [
                        browser,
                        *CHROMIUM_FLAGS,
                        f"--user-data-dir={profile}",
                        f"--window-size={args.size}",
                        f"--screenshot={png}",
                        html.as_uri(),
                    ],
                    check=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            print(f"wrote {png.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
