"""Study declarations: what the shared layer generates from them, and the mistakes it refuses."""

import pytest

from phenomena.common.config import ConfigError, load_config
from phenomena.common.study import Figure, Placement, Study, check_rules_declared
from phenomena.studies import STUDY_NAMES, all_studies

TOY = Study(
    name="toy",
    title="Toy",
    check_config=lambda section: None,
    figures=lambda section: [Figure("line", {"points": "points"})] * (1 + section["more"]),
    rules={"toy_data": Placement.LOGIN, "toy_train": Placement.GPU_TRAINING, "toy_score": Placement.CPU},
    extra_targets=lambda section: ["figures/line.gif"],
)


def test_targets_are_every_figure_as_png_and_pdf_and_the_extra_ones():
    assert TOY.targets({"more": 0}) == [
        "results/toy/figures/line.png",
        "results/toy/figures/line.pdf",
        "results/toy/figures/line.gif",
    ]


def test_login_rules_are_the_declared_ones_the_figures_and_the_target():
    assert TOY.local_rules({"more": 0}) == {"toy_data", "toy_figure_line", "toy"}
    assert TOY.rules_placed(Placement.TRAINING, Placement.GPU_TRAINING) == {"toy_train"}
    assert Placement.GPU_TRAINING.trains and not Placement.CPU.trains


def test_a_rule_without_a_placement_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="rules of study toy without a placement .*: toy_extra"):
        check_rules_declared(TOY, {"more": 0}, {"toy_data", "toy_train", "toy_score", "toy_extra", "toy_figure_line"})


def test_a_declared_rule_missing_from_the_rule_file_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="study toy declares rules that its rule file lacks: toy_score"):
        check_rules_declared(TOY, {"more": 0}, {"toy_data", "toy_train", "other_rule"})


def test_every_study_declares_itself_under_its_name_with_a_caption_per_figure(request):
    root = request.config.rootpath
    config = load_config(root / "config/config.yaml")
    assert [study.name for study in all_studies()] == list(STUDY_NAMES)
    for study in all_studies():
        assert (root / f"workflow/rules/{study.name}.smk").exists()
        assert (root / f"workflow/schemas/{study.name}.schema.yaml").exists()
        for figure in study.figures(config[study.name]):
            assert (root / f"workflow/report/{study.name}/{figure.name}.rst").exists(), figure
            assert (root / f"src/phenomena/{study.name}/figures/{figure.name}.py").exists(), figure


def test_bundles_hold_short_jobs_and_the_slurm_profile_names_every_bundle(repo):
    from yte import process_yaml

    from phenomena.common.cluster import MAX_BUNDLE, PROFILE_DEFAULT_RUNTIME, bundle_group, jobs_per_bundle

    profile = process_yaml((repo / "workflow/profiles/slurm/config.yaml").read_text())
    assert profile["default-resources"]["runtime"] == PROFILE_DEFAULT_RUNTIME
    components = dict(entry.split("=") for entry in profile["group-components"])
    for minutes in (1, 5, 10, 20, 29, 30, 59, 60, 240, 1440):
        for placement in set(Placement) - {Placement.LOGIN}:
            group = bundle_group({"runtime": minutes}, placement, 60)
            jobs = jobs_per_bundle(minutes, 60)
            assert jobs * minutes <= 60 or jobs == 1
            assert (group is None) == (jobs == 1)
            assert group is None or int(components[group]) == jobs == int(group.rsplit("bundle", 1)[1])
    assert jobs_per_bundle(1, 1440) == MAX_BUNDLE
    assert bundle_group({}, Placement.TRAINING, 60) == "training_bundle2"  # no entry: the profile's 30 minutes
    assert bundle_group({"runtime": 10}, Placement.CPU, 0) is None  # bundle_minutes 0: every job alone
    assert bundle_group({"runtime": 10}, Placement.LOGIN, 60) is None  # login-node rules are not submitted
