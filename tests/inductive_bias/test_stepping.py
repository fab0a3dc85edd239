"""Several optimizer steps in one Lightning training step: a checkpoint of the old rhythm resumes."""

from __future__ import annotations

from phenomena.common.manual_steps import adopt_automatic_checkpoint
from phenomena.inductive_bias.stepping import steps_per_evaluation


def loops(automatic_steps: int, manual_steps: int, batches: int) -> dict:
    progress = {"ready": batches, "completed": batches, "started": batches, "processed": batches}
    step = {"total": {"ready": automatic_steps, "completed": automatic_steps}, "current": {"ready": 0, "completed": 0}}
    return {
        "loops": {
            "fit_loop": {
                "epoch_loop.automatic_optimization.optim_progress": {"optimizer": {"step": step}},
                "epoch_loop.manual_optimization.optim_step_progress": {
                    "total": {"ready": manual_steps, "completed": manual_steps},
                    "current": {"ready": 0, "completed": 0},
                },
                "epoch_loop.batch_progress": {
                    "total": dict(progress),
                    "current": dict(progress),
                    "is_last_batch": True,
                },
            }
        }
    }


def test_a_checkpoint_of_one_lightning_step_per_optimizer_step_counts_its_steps_and_evaluations():
    checkpoint = loops(automatic_steps=600, manual_steps=0, batches=600)
    adopt_automatic_checkpoint(checkpoint, per_evaluation=200)
    loop = checkpoint["loops"]["fit_loop"]
    assert loop["epoch_loop.manual_optimization.optim_step_progress"]["total"]["completed"] == 600
    assert loop["epoch_loop.batch_progress"]["total"]["completed"] == 3  # three evaluations' training steps


def test_a_checkpoint_of_manual_optimization_is_left_as_it_is():
    checkpoint = loops(automatic_steps=0, manual_steps=600, batches=3)
    adopt_automatic_checkpoint(checkpoint, per_evaluation=200)
    assert checkpoint == loops(automatic_steps=0, manual_steps=600, batches=3)


def test_steps_per_evaluation_round_up():
    assert steps_per_evaluation({"steps": 2000, "evaluations": 10}) == 200
    assert steps_per_evaluation({"steps": 1601, "evaluations": 20}) == 81
    assert steps_per_evaluation({"steps": 3, "evaluations": 10}) == 1
