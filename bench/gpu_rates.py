"""Measured GPU rates for ``python -m phenomena.estimate`` from a GPU check (``gpu_check.py --write-rates``).

The estimate's ``src/phenomena/rates.json`` has ``gpu`` entries under the CPU's unit names, assumed
(``measured: false``) until this writes measured ones (``measured: true``, with the GPU's name, the date, the
row). A row measures one slice at the paper preset's size: seconds for its whole work, several units at once.
One unit per row is measured (the carrier); the others of the same work keep their assumed GPU rates, and the
carrier gets the seconds they leave, so the estimate reproduces the row at its size:

- ``grokking`` (full-batch steps of the paper's transformer) -> ``grokking_step``: at this size a GPU step is
  mostly fixed cost (kernel launches), so the per-step rate carries it; the arithmetic stays assumed.
- ``double_descent`` (ResNet-18 k = 64, batch 128, 32-true) -> ``dd_resnet18_example_param``: arithmetic
  carries it; the per-step fixed cost stays assumed (it dominates at small widths, where no row measures).

Not converted: tree search (its rows are games or network evaluations per second of a search on the CPU and
a network on the GPU: one figure for five units, search calls, board-simulations, forwards, steps), the LLC
and perturbation rows (their rules run on the CPU), and the bf16 row (the paper preset trains in 32-true).
``bench/rates.py --write`` keeps entries marked measured.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from phenomena.common.config import load_config
from phenomena.estimate import RATES_FILE, REPO

NOT_A_GPU_RUN = "--write-rates: not a GPU run ({}): tiny sizes and CPU figures are not GPU rates; nothing written"
NO_MEASURED_GPU = "; no GPU measured yet"  # the end of bench/rates.py's GPU_ASSUMPTION
GROKKING_SLICE = {"train_fraction": 0.3, "eval_every": 100}  # gpu_check.grokking_transformer at paper sizes
DOUBLE_DESCENT_TEST_EXAMPLES = 2000  # gpu_check.double_descent_resnet18's test set at paper sizes


def refusal(device_type: str, tiny: bool) -> str | None:
    """The one line that refuses to write rates from a run that is not on a GPU at full size, or None."""
    if device_type != "cuda" or tiny:
        return NOT_A_GPU_RUN.format(", ".join(["--tiny"] * tiny + [f"device {device_type}"] * (device_type != "cuda")))
    return None


def grokking_units(row: dict, config: dict) -> dict[str, float]:
    """Units of the ``grokking`` row's timed steps, as the estimate counts them (grokking's cost model)."""
    from phenomena.grokking.cost import grokking_size

    study = config["grokking"]
    match = re.match(r"transformer d(\d+), p=(\d+)", row["what"])
    model, params, examples = grokking_size(study)
    sizes = (study["model"][model].get("d_model"), study["modulus"])
    if not match or (int(match[1]), int(match[2])) != sizes:
        raise ValueError(f"grokking row {row['what']!r}: not the paper preset's transformer {sizes}")
    per_step = GROKKING_SLICE["train_fraction"] * examples + examples / (3 * GROKKING_SLICE["eval_every"])
    return {"grokking_step": row["work"], f"grokking_{model}_example_param": row["work"] * per_step * params}


def double_descent_units(row: dict, config: dict) -> dict[str, float]:
    """Units of the ``double_descent`` row's timed steps (every epoch trained and measured, as in the slice)."""
    from phenomena.double_descent.cost import dd_units, double_descent_parameters

    match = re.match(r"ResNet-18 k=(\d+), batch (\d+), 32-true, \d+ epochs of (\d+) steps", row["what"])
    if not match:
        raise ValueError(f"double_descent row {row['what']!r}: not a 32-true ResNet-18 slice")
    width, batch, steps = map(int, match.groups())
    settings = json.dumps(config["double_descent"]["model"].get("resnet18", {}))
    params = double_descent_parameters("resnet18", width, "cifar10", settings)
    epochs = row["work"] / steps
    units = dd_units("resnet18", params, 1, 1, steps * batch, batch, 1, DOUBLE_DESCENT_TEST_EXAMPLES)
    return {unit: count * epochs for unit, count in units.items() if not unit.endswith("_fit")}


CONVERSIONS = {  # row -> (carrier unit, the row's units)
    "grokking": ("grokking_step", grokking_units),
    "double_descent": ("dd_resnet18_example_param", double_descent_units),
}


def measured_entries(report: dict, rates: dict, config: dict) -> dict[str, dict]:
    """The measured ``gpu`` entries (unit -> entry) that the GPU check's ``report`` gives, at ``rates``'s other
    GPU rates (the carrier gets the seconds the others leave, at least nothing)."""
    rows = {row["slice"]: row for row in report["rows"] if "error" not in row and row.get("seconds")}
    entries = {}
    for name, (carrier, units_of) in CONVERSIONS.items():
        if name not in rows:
            continue
        row, units = rows[name], units_of(rows[name], config)
        gpu = {unit: rates["gpu"].get(unit) or rates["cpu"][unit] for unit in units}  # as the estimate's job_seconds
        others = sum(count * gpu[unit]["seconds_per_unit"] for unit, count in units.items() if unit != carrier)
        entries[carrier] = {
            "seconds_per_unit": max(row["seconds"] - others, 0.0) / units[carrier],
            "measured": True,
            "device_name": report["device_name"],
            "date": report["started"][:10],
            "row": f"{name}: {row['what']} ({row['throughput']:,.2f} {row['unit']})",
            "note": f"less the assumed GPU rates of {', '.join(u for u in units if u != carrier)}",
        }
    return entries


def write_rates(report: dict, path: Path = RATES_FILE) -> dict[str, dict]:
    """Write the measured entries of ``report`` (a ``gpu_check-cuda.json``) into ``path``'s ``gpu`` entries;
    return them. Refuses (ValueError) a report of a tiny or CPU run."""
    device_type = report["device"].split(":")[0]
    if line := refusal(device_type, report.get("tiny", False)):
        raise ValueError(line)
    rates = json.loads(path.read_text())
    config = load_config(REPO / "config/config.yaml", REPO / "config/paper.yaml")
    entries = measured_entries(report, rates, config)
    rates["gpu"].update(entries)
    if entries:
        rates["gpu_assumption"] = rates["gpu_assumption"].removesuffix(NO_MEASURED_GPU)
    path.write_text(json.dumps(rates, indent=1) + "\n")
    return entries
