"""The parts and runs of the SLT study from its config section, and the checks its schema cannot express.

Three parts, each ``null`` to skip it: ``calibration`` (the LLC estimator on reduced-rank
regression, whose learning coefficients are known), ``double_descent`` (the LLC of every
model-wise network of the double-descent study, from the weights its training kept) and
``superposition`` (the toy model of superposition, the LLC along training).
"""

from __future__ import annotations

from phenomena.common.config import ConfigError
from phenomena.common.naming import run_name


def check_study_config(study: dict) -> None:
    """Checks the JSON schema cannot express (the schema has checked types and ranges)."""
    calibration = study["calibration"]
    if calibration is not None:
        for index, case in enumerate(calibration["cases"]):
            if case["rank"] > min(case["inputs"], case["outputs"], case["hidden"]):
                raise ConfigError(
                    f"config key slt.calibration.cases[{index}].rank: got {case['rank']}; a product B A of"
                    f" {case['outputs']}x{case['hidden']} and {case['hidden']}x{case['inputs']} matrices has rank at"
                    f" most {min(case['inputs'], case['outputs'], case['hidden'])}"
                )
    superposition = study["superposition"]
    if superposition is None:
        return
    if superposition["hidden"] >= superposition["features"]:
        raise ConfigError(
            f"config key slt.superposition.hidden: got {superposition['hidden']}; must be below features"
            f" ({superposition['features']}): superposition needs more features than dimensions"
        )
    kgon = superposition["init_kgon"]
    if kgon is not None and (kgon > superposition["features"] or superposition["hidden"] < 2):
        raise ConfigError(
            f"config key slt.superposition.init_kgon: got {kgon}; a k-gon needs k <= features"
            f" ({superposition['features']}) and hidden >= 2 (got {superposition['hidden']}); or null"
        )


def superposition_runs(study: dict) -> dict[str, dict]:
    """Run name -> settings of each toy-model training run (one per seed); empty if the part is off."""
    spec = study["superposition"]
    if spec is None:
        return {}
    training = {k: v for k, v in spec.items() if k not in ("seeds", "sampler", "detector")}
    return {run_name([("superposition_seed", seed)]): {**training, "seed": seed} for seed in spec["seeds"]}


def calibration_samplers(config: dict) -> dict[str, dict]:
    """Every SGLD setting the project estimates an LLC with, by the part that uses it, with that
    part's sample size n: the calibration checks each where the coefficient is known."""
    samplers = {}
    grokking_llc = config["grokking"]["llc"]
    if grokking_llc is not None:
        samplers["grokking"] = {"sampler": grokking_llc["sampler"], "n": grokking_llc_examples(config["grokking"])}
    study = config["slt"]
    double_descent = config["double_descent"]["model_wise"]
    if study["double_descent"] is not None and double_descent is not None:
        samplers["double_descent"] = {"sampler": study["double_descent"]["sampler"], "n": double_descent["num_train"]}
    if study["superposition"] is not None:
        spec = study["superposition"]
        samplers["superposition"] = {"sampler": spec["sampler"], "n": spec["examples"]}
    return samplers


def double_descent_steps(study: dict) -> dict[str, dict]:
    """The SGLD steps at which the double-descent networks' LLCs are estimated, by job name, each
    as ``{step_factor, chains}``: the calibrated sampler's (``at_sampler``, factor 1, its own
    chains) and, unless ``step_check`` is null, the check's fraction of it (``at_step_check``)."""
    part = study["double_descent"]
    if part is None:
        return {}
    steps = {"at_sampler": {"step_factor": 1.0, "chains": part["sampler"]["chains"]}}
    check = part["step_check"]
    if check is not None:
        steps["at_step_check"] = {"step_factor": float(check["step"]), "chains": check["chains"]}
    return steps


def check_double_descent_part(study: dict, double_descent: dict) -> None:
    """The double-descent part reads the model-wise networks of the double-descent study: it needs them."""
    if study["double_descent"] is not None and double_descent["model_wise"] is None:
        raise ConfigError(
            "config key slt.double_descent: the LLC through double descent reads the model-wise networks,"
            " but double_descent.model_wise is null; set slt.double_descent: null, or give double_descent.model_wise"
        )


def grokking_llc_examples(grokking: dict) -> int:
    """The training pairs of the grokking runs whose LLC trajectory is estimated (the first
    fraction of ``llc.trajectory``, else of the sweeps; the split's rounding)."""
    fractions = grokking["llc"]["trajectory"].get("train_fraction") or grokking["sweeps"][0]["train_fraction"]
    return round(fractions[0] * grokking["modulus"] ** 2)
