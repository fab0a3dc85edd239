"""The runs of the double-descent study: members, the jobs that train them together, settings.

A *member* is one model: family, width, training-set size, label noise, seed. A *job* trains
the members that share family, width and training-set size as one stack (see ``models``): for
the MLP every seed and noise level of a width at once (each member on its own training set, so
its trajectory is the one it would have alone); for ResNet-18 one member per job, because one
such model already fills a GPU. A job's start-up (imports, Lightning) costs more than training
the narrow MLPs, so one job per width rather than per width and noise level saves a start-up
per width.

The sample-wise sweep is a map, widths x training-set sizes. Its *size-grid jobs* train one
width and noise level each: its sizes one after another in one process, each size one stack
(:class:`SizeGridJob`), so the map pays one job's start-up per width rather than per cell. A
map member that the model-wise sweep also has (its training-set size, one width) is trained
once, by the model-wise job.

Every job makes its members' training sets from the source itself
(:func:`phenomena.double_descent.data.make_training_set`: milliseconds), so no job exists
only to write a training set.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from phenomena.common.config import ConfigError
from phenomena.common.naming import run_name

SWEEPS = ("model_wise", "sample_wise")
STACKED_MODELS = ("mlp",)  # families whose members of one shape train together in one job


@dataclass(frozen=True, order=True)
class Member:
    """One model of the study."""

    model: str
    width: int
    num_train: int
    label_noise: float
    seed: int

    @property
    def name(self) -> str:
        return run_name(
            [
                ("", self.model),
                ("w", self.width),
                ("n", self.num_train),
                ("noise", self.label_noise),
                ("seed", self.seed),
            ]
        )

    def sweep_columns(self) -> dict[str, object]:
        columns = asdict(self)
        columns.pop("seed")  # already a tidy column
        return columns


@dataclass(frozen=True)
class Job:
    """Members trained together in one process (one Snakemake job)."""

    model: str
    width: int
    num_train: int
    members: tuple[Member, ...]

    @property
    def name(self) -> str:
        if self.model in STACKED_MODELS:
            return run_name([("", self.model), ("w", self.width), ("n", self.num_train)])
        (member,) = self.members
        return member.name


def sweep_members(study: dict, sweep: str) -> list[Member]:
    """The members of one sweep, in plotting order (an empty list if the sweep is off)."""
    spec = study[sweep]
    if spec is None:
        return []
    model = study["model"]["name"]
    if sweep == "model_wise":
        points = [(width, spec["num_train"]) for width in spec["widths"]]
    else:
        points = [(width, num_train) for width in spec["widths"] for num_train in spec["num_train"]]
    return [
        Member(model, width, num_train, float(noise), seed)
        for width, num_train in points
        for noise in spec["label_noise"]
        for seed in spec["seeds"]
    ]


def plan_jobs(study: dict) -> dict[str, Job]:
    """Every model-wise job by name: one stack per width and training-set size (every noise level
    and seed), or one member per job for families that are not stacked."""
    groups: dict[tuple, list[Member]] = defaultdict(list)
    for member in sorted(sweep_members(study, "model_wise")):
        key = (member.model, member.width, member.num_train)
        groups[key if member.model in STACKED_MODELS else (*key, member.label_noise, member.seed)].append(member)
    jobs = [Job(ms[0].model, ms[0].width, ms[0].num_train, tuple(ms)) for ms in groups.values()]
    return {job.name: job for job in jobs}


@dataclass(frozen=True)
class SizeGridJob:
    """The sample-wise members of one width and noise level, trained in one process, size by size."""

    model: str
    width: int
    label_noise: float
    members: tuple[Member, ...]

    @property
    def name(self) -> str:
        return run_name([("", self.model), ("w", self.width), ("noise", self.label_noise)]) + "_sizes"

    def stacks(self) -> list[tuple[Member, ...]]:
        """The members trained together, size by size (and seed by seed for unstacked families)."""
        groups: dict[object, list[Member]] = defaultdict(list)
        for member in self.members:
            key = member.num_train if self.model in STACKED_MODELS else (member.num_train, member.seed)
            groups[key].append(member)
        return [tuple(group) for group in groups.values()]


def plan_size_grid_jobs(study: dict) -> dict[str, SizeGridJob]:
    """Every sample-wise job by name, without the members a model-wise job already trains."""
    trained = {member for job in plan_jobs(study).values() for member in job.members}
    groups: dict[tuple, list[Member]] = defaultdict(list)
    for member in sorted(set(sweep_members(study, "sample_wise")) - trained):
        groups[(member.model, member.width, member.label_noise)].append(member)
    jobs = [SizeGridJob(*key, tuple(members)) for key, members in groups.items()]
    return {job.name: job for job in jobs}


def resolved_settings(study: dict, job: Job | SizeGridJob) -> dict:
    """Everything that determines a job's results, as one dict (Snakemake ``params``): its
    ``members`` (a model-wise job) or its ``stacks`` of members (a size-grid job), and the recipe."""
    model = study["model"]["name"]
    if isinstance(job, SizeGridJob):
        who = {
            "stacks": [[asdict(member) for member in stack] for stack in job.stacks()],
            "recording": size_grid_recording(study),
        }
    else:
        who = {"members": [asdict(member) for member in job.members]}
        if study["model_wise"]["record_points"] is not None:
            points, last = study["model_wise"]["record_points"], study["metrics"]["final_epochs"]
            who["recording"] = {"log_points": points, "last": last}
    return {
        **who,
        "model": {"name": model, **(study["model"].get(model) or {})},
        "optimizer": dict(study["optimizer"]),
        "training": dict(study["training"]),
    }


def size_grid_recording(study: dict) -> dict[str, int]:
    """Which epochs a size-grid job measures: every ``sample_wise.record_every``-th and the last
    ``metrics.final_epochs`` (the epochs the summary averages). The map reads only the end of
    training, and measuring every epoch would cost more than training the small sets."""
    return {"every": study["sample_wise"]["record_every"], "last": study["metrics"]["final_epochs"]}


def size_control_spec(study: dict) -> dict | None:
    """What the random-feature curves along the map's size grid depend on (the map's sizes,
    noise and seeds, and the feature counts), or None when the map or the control is off."""
    spec = study["sample_wise"]
    if spec is None or not spec["random_features"]:
        return None
    return {key: spec[key] for key in ("num_train", "label_noise", "seeds", "random_features")}


def check_study_config(study: dict) -> None:
    """Checks the JSON schema cannot express (it has checked types, ranges and enums)."""
    data = study["data"]
    if data["source"] == "cifar10":
        if not data.get("cifar10_path"):
            raise ConfigError(
                "config key double_descent.data.cifar10_path: must be set when data.source is cifar10 "
                "(the directory cifar-10-batches-py holding the python-pickle batches; nothing is downloaded)"
            )
    if study["model"]["name"] == "resnet18" and data["source"] != "cifar10":
        raise ConfigError(
            f"config key double_descent.model.name: resnet18 needs image data (data.source: cifar10), "
            f"got data.source {data['source']}"
        )
    available = available_training_examples(data)
    for sweep in SWEEPS:
        spec = study[sweep]
        if spec is None:
            continue
        sizes = [spec["num_train"]] if sweep == "model_wise" else spec["num_train"]
        too_many = [n for n in sizes if n > available]
        if too_many:
            raise ConfigError(
                f"config key double_descent.{sweep}.num_train: got {too_many[0]}; the {data['source']} "
                f"training set has {available} examples"
            )
    if study["model_wise"] is None and study["sample_wise"] is None:
        raise ConfigError("config keys double_descent.model_wise and sample_wise: both are null; enable at least one")


def available_training_examples(data: dict) -> int:
    """Training examples the source offers."""
    if data["source"] == "mnist1d":
        return int(data["mnist1d"]["num_samples"] * data["mnist1d"]["train_split"])
    return 50_000  # CIFAR-10
