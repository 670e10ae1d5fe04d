"""Packages benchmark: what a tool's third-party packages cost, on this machine.

    python tests/bench/packages_bench.py [--quick] [--keep] [--out PATH]

For a pure-Python wheel (``roman``) and a compiled one (``numpy``):
  - the build of the derived image from nothing built (goals: pure Python <= 30 s), split into
    finding the wheels with pip (wheels cached: no download) and building the image;
  - the second use of the same requirement set by a new process (goal <= 1 s, no rebuild);
  - the image's own size over the base;
  - a call's p50 in the derived image against the same kind of call in the base image: calls back
    to back, and calls 1 s apart (each call's fresh process imports the package while it waits for
    its call, so an interactive call does not pay for the import; calls back to back do, once the
    pool's waiting processes are used up).

Prints a table with the machine's description and writes JSON (default
.latm/bench/packages_bench.json). Removes the images it built unless ``--keep``. Needs Docker, the
image (`latm sandbox build --offline`) and pip reaching a package index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import finish, machine, percentile
from latm.sandbox import derived_images
from latm.sandbox.docker_backend import DockerSandbox
from latm.sandbox.docker_engine import connect
from latm.sandbox.tool_packages import ToolPackages
from latm.sandbox.types import Call

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the sandbox settings the tests use
from sandbox_settings import sandbox_settings  # noqa: E402 - LATM_SANDBOX_IMAGE honoured

CASES = {
    "roman": ("import roman\n\ndef f(n):\n    return roman.toRoman(n)\n", [1994], "MCMXCIV"),
    "numpy": ("import numpy as np\n\ndef f(v):\n    return float(np.std(np.array(v, dtype=float)))\n",
              [[2, 4, 4, 4, 5, 5, 7, 9]], 2.0),
}
BASE_CALL = ("def f(n):\n    return str(n)\n", [1994], "1994")


def timed_calls(sandbox, code: str, args: list, expected, n: int, packages=None, pause_s: float = 0.0) -> dict:
    samples = []
    for number in range(n + 3):
        time.sleep(pause_s)
        start = time.perf_counter()
        (result,) = sandbox.run(code, [Call(entry="f", args=args)], **({"packages": packages} if packages else {}))
        if number >= 3:  # the first calls start the containers
            samples.append((time.perf_counter() - start) * 1000)
        assert result.value == expected, result.describe()
    return {"n": n, "p50_ms": round(percentile(samples, 50), 2), "p95_ms": round(percentile(samples, 95), 2),
            "mean_ms": round(statistics.fmean(samples), 2)}


def measure(name: str, base: DockerSandbox, settings, envs: Path, calls: int, built: list) -> dict:
    code, args, expected = CASES[name]
    packages = ToolPackages(settings, base, envs)
    started = time.perf_counter()
    locked = packages.for_imports({"numpy" if name == "numpy" else name})
    found_s = time.perf_counter() - started
    api, tag = base.api, derived_images.tag_for(settings.sandbox_image, locked.digest)
    old = derived_images.find(api, settings.sandbox_image, base.image["Id"], locked.digest)
    if old:  # measure the build from nothing built
        api.remove_image(old, force=True)
    started = time.perf_counter()
    installed = packages.installed(locked)
    build_s = time.perf_counter() - started
    built.append(installed.image)
    again = ToolPackages(settings, base, envs)  # a new process: nothing remembered but the engine's images
    started = time.perf_counter()
    second = again.installed(again.for_pins(locked.pins))
    second_s = time.perf_counter() - started
    assert second.image == installed.image, "the second use rebuilt the image"
    own_mb = (api.inspect_image(installed.image)["Size"] - base.image["Size"]) / 1e6
    return {"package": name, "pins": [str(p) for p in locked.pins], "image": tag,
            "find_wheels_s": round(found_s, 2), "build_s": round(build_s, 2), "second_use_s": round(second_s, 3),
            "image_mb_over_base": round(own_mb, 1),
            "call_in_derived_image": timed_calls(base, code, args, expected, calls, installed),
            "call_1s_apart": timed_calls(base, code, args, expected, max(5, calls // 20), installed, pause_s=1.0)}


def table(report: dict) -> str:
    lines = [f"{'package':<8} {'find wheels s':>13} {'build s':>8} {'2nd use s':>9} {'MB over base':>12} "
             f"{'p50 ms back to back':>19} {'p95 ms':>7} {'p50 ms 1 s apart':>16}"]
    for row in report["sets"]:
        call, apart = row["call_in_derived_image"], row["call_1s_apart"]
        lines.append(f"{row['package']:<8} {row['find_wheels_s']:>13} {row['build_s']:>8} {row['second_use_s']:>9} "
                     f"{row['image_mb_over_base']:>12} {call['p50_ms']:>19} {call['p95_ms']:>7} {apart['p50_ms']:>16}")
    base, apart = report["call_in_base_image"], report["call_in_base_image_1s_apart"]
    lines.append(f"{'(base)':<8} {'':>13} {'':>8} {'':>9} {'':>12} {base['p50_ms']:>19} {base['p95_ms']:>7} "
                 f"{apart['p50_ms']:>16}")
    lines.append("goals: pure-Python build <= 30 s, second use <= 1 s (no rebuild)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls (a smoke run)")
    parser.add_argument("--keep", action="store_true", help="keep the derived images built")
    parser.add_argument("--out", default=".latm/bench/packages_bench.json", help="where to write the JSON")
    args = parser.parse_args()
    calls = 20 if args.quick else 200
    settings = sandbox_settings(sandbox="docker", allowed_packages=tuple(CASES))
    report = {"machine": machine(docker_engine=connect().version().get("Version")), "calls": calls}
    built: list = []
    base = DockerSandbox.open(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="latm-bench-") as envs:
            report["sets"] = [measure(name, base, settings, Path(envs), calls, built) for name in CASES]
        report["call_in_base_image"] = timed_calls(base, *BASE_CALL, calls)
        report["call_in_base_image_1s_apart"] = timed_calls(base, *BASE_CALL, max(5, calls // 20), pause_s=1.0)
    finally:
        base.close()
        if not args.keep:
            for image in built:
                base.api.remove_image(image, force=True)
    return finish(report, table(report), Path(args.out))


if __name__ == "__main__":
    sys.exit(main())
