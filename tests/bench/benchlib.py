"""What every benchmark shares: the machine's description, the JSON report, percentiles."""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path


def _proc_field(path: str, key: str) -> str | None:
    """The value after ``key:`` on the first line of a /proc file that starts with ``key``."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:  # not Linux
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), None)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine(**extra) -> dict:
    """The machine the figures were measured on; ``extra`` adds a bench's own fields (versions)."""
    memory_kb = _proc_field("/proc/meminfo", "MemTotal")
    return {"cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor(), "cores": os.cpu_count(),
            "memory_mb": int(memory_kb.split()[0]) // 1024 if memory_kb else 0, "os": platform.platform(),
            "kernel": platform.release(), "python": platform.python_version(),
            "load_average_at_start": load_average(), **extra}


def package_versions(*names: str) -> dict:
    """Installed versions of ``names``, read without importing them."""
    return {name: metadata.version(name) for name in names}


BASE = ("cpu", "cores", "memory_mb", "os", "kernel", "python", "load_average_at_start")


def machine_line(m: dict) -> str:
    """One line for the top of a bench's output; fields a bench added follow, named by their keys."""
    extra = "".join(f"; {key.replace('_', ' ')} {value}" for key, value in m.items() if key not in BASE)
    return (f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb'] / 1024:.1f} GB; {m['os']}; "
            f"Python {m['python']}; load average at start {m['load_average_at_start']}{extra}")


def write_report(results: dict, out: Path) -> None:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"JSON: {out}")


def percentile(values: list[float], p: float) -> float:
    """The sample nearest to the p-th percentile's position (numpy's method="nearest")."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def finish(report: dict, table: str, out: Path) -> int:
    """A bench's last lines: the load at the end, the machine, its table, the JSON report."""
    report["machine"]["load_average_at_end"] = load_average()
    print(machine_line(report["machine"]))
    print(table)
    print()
    write_report(report, Path(out))
    return 0
