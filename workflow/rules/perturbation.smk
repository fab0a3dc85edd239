# Perturbation: same-statistics annealing (Datasaurus), diffusion run backwards from a line,
# training from zero initialization -> metrics (and an animation of the annealing).
# Figures, the target rule and where each rule runs: src/phenomena/perturbation/study.py.
# Rule files share one namespace: global names here carry the study (PERTURBATION_, *_run wildcards).
import phenomena.perturbation.runs as perturbation_runs

PERTURBATION = config["perturbation"]
PERTURBATION_DATASAURUS = perturbation_runs.datasaurus_runs(PERTURBATION)
PERTURBATION_DIFFUSION = perturbation_runs.diffusion_runs(PERTURBATION)
PERTURBATION_ZERO_INIT = perturbation_runs.zero_init_runs(PERTURBATION)
PERTURBATION_DIR = STUDIES["perturbation"].results(RESULTS)


wildcard_constraints:
    datasaurus_run="|".join(map(re.escape, PERTURBATION_DATASAURUS)),
    diffusion_run="|".join(map(re.escape, PERTURBATION_DIFFUSION)),


rule perturbation_datasaurus:
    output:
        frames=f"{PERTURBATION_DIR}/runs/{{datasaurus_run}}/frames.parquet",
        statistics=f"{PERTURBATION_DIR}/runs/{{datasaurus_run}}/statistics.parquet",
        meta=f"{PERTURBATION_DIR}/runs/{{datasaurus_run}}/meta.json",
    log:
        f"{PERTURBATION_DIR}/logs/datasaurus/{{datasaurus_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("perturbation_datasaurus"),
    params:
        settings=lambda wc: PERTURBATION_DATASAURUS[wc.datasaurus_run],
    script:
        "../scripts/perturbation_datasaurus.py"


rule perturbation_diffusion_train:
    output:
        model=f"{PERTURBATION_DIR}/runs/{{diffusion_run}}/model.pt",
        history=f"{PERTURBATION_DIR}/runs/{{diffusion_run}}/history.parquet",
        meta=f"{PERTURBATION_DIR}/runs/{{diffusion_run}}/meta.json",
    log:
        f"{PERTURBATION_DIR}/logs/diffusion_train/{{diffusion_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("perturbation_diffusion_train"),
    params:
        settings=lambda wc: perturbation_runs.diffusion_training_settings(
            PERTURBATION_DIFFUSION[wc.diffusion_run]
        ),
        trainer=trainer_params(),
    script:
        "../scripts/perturbation_diffusion_train.py"


rule perturbation_diffusion_sample:
    input:
        rules.perturbation_diffusion_train.output.model,
    output:
        distances=f"{PERTURBATION_DIR}/runs/{{diffusion_run}}/distances.parquet",
        points=f"{PERTURBATION_DIR}/runs/{{diffusion_run}}/points.parquet",
    log:
        f"{PERTURBATION_DIR}/logs/diffusion_sample/{{diffusion_run}}.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("perturbation_diffusion_sample"),
    params:
        settings=lambda wc: PERTURBATION_DIFFUSION[wc.diffusion_run],
    script:
        "../scripts/perturbation_diffusion_sample.py"


rule perturbation_digits:
    output:
        f"{PERTURBATION_DIR}/data/mnist1d.pt",
    log:
        f"{PERTURBATION_DIR}/logs/data/mnist1d.log",
    params:
        settings=PERTURBATION["zero_init"]["data"],
    script:
        "../scripts/perturbation_digits.py"


# One job for every zero-init run, one after another (each run is seconds of work: a job per run
# would mostly pay Python's and Lightning's start-up); each run in its own folder, resuming from
# its own last.ckpt. A changed run's settings rerun them all (finished ones from their checkpoint).
rule perturbation_zero_init_train:
    input:
        rules.perturbation_digits.output[0],
    output:
        history=expand(
            f"{PERTURBATION_DIR}/runs/{{zero_init_run}}/history.parquet",
            zero_init_run=PERTURBATION_ZERO_INIT,
        ),
        meta=expand(
            f"{PERTURBATION_DIR}/runs/{{zero_init_run}}/meta.json",
            zero_init_run=PERTURBATION_ZERO_INIT,
        ),
    log:
        f"{PERTURBATION_DIR}/logs/zero_init_train.log",
    threads: config["threads_per_job"]
    resources:
        **job_resources("perturbation_zero_init_train"),
    params:
        settings=PERTURBATION_ZERO_INIT,
        trainer=trainer_params(),
    script:
        "../scripts/perturbation_zero_init_train.py"


rule perturbation_metrics:
    input:
        datasaurus_frames=expand(
            rules.perturbation_datasaurus.output.frames,
            datasaurus_run=PERTURBATION_DATASAURUS,
        ),
        datasaurus_statistics=expand(
            rules.perturbation_datasaurus.output.statistics,
            datasaurus_run=PERTURBATION_DATASAURUS,
        ),
        diffusion_distances=expand(
            rules.perturbation_diffusion_sample.output.distances,
            diffusion_run=PERTURBATION_DIFFUSION,
        ),
        diffusion_points=expand(
            rules.perturbation_diffusion_sample.output.points,
            diffusion_run=PERTURBATION_DIFFUSION,
        ),
        zero_init_curves=rules.perturbation_zero_init_train.output.history,
        digits=rules.perturbation_digits.output[0],
    output:
        datasaurus_frames=f"{PERTURBATION_DIR}/metrics/datasaurus_frames.parquet",
        datasaurus_statistics=f"{PERTURBATION_DIR}/metrics/datasaurus_statistics.parquet",
        diffusion_distances=f"{PERTURBATION_DIR}/metrics/diffusion_distances.parquet",
        diffusion_points=f"{PERTURBATION_DIR}/metrics/diffusion_points.parquet",
        zero_init_curves=f"{PERTURBATION_DIR}/metrics/zero_init_curves.parquet",
        zero_init_summary=f"{PERTURBATION_DIR}/metrics/zero_init_summary.parquet",
        summary=f"{PERTURBATION_DIR}/metrics/summary.parquet",
    log:
        f"{PERTURBATION_DIR}/logs/metrics.log",
    params:
        tolerance=PERTURBATION["datasaurus"]["tolerance"],
        decimals=PERTURBATION["datasaurus"]["decimals"],
    script:
        "../scripts/perturbation_metrics.py"


rule perturbation_figure_animation:
    input:
        frames=rules.perturbation_metrics.output.datasaurus_frames,
        statistics=rules.perturbation_metrics.output.datasaurus_statistics,
        code=SRC / "perturbation" / "animation.py",
        style=SRC / "common" / "plotting.py",
    output:
        gif=f"{PERTURBATION_DIR}/figures/datasaurus.gif",
        # the report cannot show a GIF (its viewer stays empty): an HTML page embeds it
        page=report(
            f"{PERTURBATION_DIR}/figures/datasaurus_animation.html",
            caption="../report/perturbation/animation.rst",
            category="Perturbation",
        ),
    log:
        f"{PERTURBATION_DIR}/logs/figures/animation.log",
    script:
        "../scripts/perturbation_animation.py"
