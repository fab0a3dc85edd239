"""Several optimizer steps in one Lightning training step.

The networks of some studies (grokking, inductive bias) are so small that an optimizer step costs
about as much as Lightning's bookkeeping around a training step (~0.6 ms: hooks, loop progress,
the dataloader's tick): with one Lightning step per optimizer step that overhead was 20-70% of a
run. Their modules therefore optimize manually and take all the optimizer steps between two
evaluations in one ``training_step`` (one Lightning epoch = one training step, then the
evaluation), as the double-descent study does with an epoch of minibatches.

Lightning still counts every optimizer step: under manual optimization ``trainer.global_step`` is
the number of ``optimizer.step()`` calls, so ``max_steps``, the step of each record and
``meta.json``'s ``steps`` keep counting optimizer steps. Checkpoints are written after an
evaluation, between two training steps, so a resumed run repeats no step and misses no record.
"""

from __future__ import annotations

from collections.abc import Callable

import pytorch_lightning as pl
import torch


def optimizer_steps(
    module: pl.LightningModule,
    loss: Callable[[], torch.Tensor],
    count: int,
    after_step: Callable[[], None] | None = None,
) -> None:
    """``count`` steps of ``module``'s (manual) optimizer on ``loss()``, computed afresh each step;
    ``after_step()`` after each (where automatic optimization stepped the learning-rate schedulers
    and ran ``on_train_batch_end``).

    The same arithmetic as Lightning's automatic optimization (gradients set to None, backward,
    ``on_before_optimizer_step``, step), so a run's results are those of one Lightning step per
    optimizer step, bit for bit. ``module.global_step`` counts each step as it is taken.
    """
    optimizer = module.optimizers()
    for _ in range(count):
        optimizer.zero_grad(set_to_none=True)
        module.manual_backward(loss())
        optimizer.step()  # Lightning runs on_before_optimizer_step first, as under automatic optimization
        if after_step is not None:
            after_step()


def steps_to_evaluation(trainer: pl.Trainer, every: int) -> int:
    """The optimizer steps from ``trainer.global_step`` to the next multiple of ``every`` (the next
    evaluation), or to ``trainer.max_steps`` if that comes first: the steps of one training step
    when a Lightning epoch was ``every`` steps."""
    step = trainer.global_step
    count = every - step % every
    return count if trainer.max_steps < 0 else max(0, min(count, trainer.max_steps - step))


def adopt_automatic_checkpoint(checkpoint: dict, per_evaluation: int) -> None:
    """Let a run resume from a checkpoint written when it took one Lightning step per optimizer step.

    Such a checkpoint counts its optimizer steps under automatic optimization and one training
    batch per step; under manual optimization ``global_step`` would read 0 and the run would train
    its whole budget again. Its step count is moved to the manual counter and its batches counted
    in evaluations (a checkpoint is written after an evaluation: whole evaluations only). Call it
    from ``on_load_checkpoint``, which Lightning runs before it restores the loops.
    """
    loop = checkpoint.get("loops", {}).get("fit_loop")
    if loop is None:
        return  # no loop state (a weights-only checkpoint): nothing to count
    steps = loop["epoch_loop.automatic_optimization.optim_progress"]["optimizer"]["step"]
    manual = loop["epoch_loop.manual_optimization.optim_step_progress"]
    if steps["total"]["completed"] == 0 or manual["total"]["completed"] > 0:
        return  # a fresh run's, or written under manual optimization
    loop["epoch_loop.manual_optimization.optim_step_progress"] = steps
    batches = loop["epoch_loop.batch_progress"]
    for counts in (batches["total"], batches["current"]):
        counts.update({name: count // per_evaluation for name, count in counts.items()})
