"""Training the classifiers of the architecture and SGD parts, and SGD's regularizer made explicit.

Smith, Dherin, Barrett and De (2021) show that SGD with learning rate ``lr`` and random
shuffling follows, on average and for small ``lr``, gradient flow on a modified loss: the
full-batch loss plus ``lr / 4`` times the mean, over the minibatches of an epoch, of the squared
norm of each minibatch's gradient. :func:`explicit_regularizer` computes that term, so that
full-batch gradient descent can be given it explicitly, in one of two forms:

- ``paper``: the term as the paper writes it, ``(lr / 4) mean_k |grad C_k|^2``. Full-batch
  gradient descent at the same ``lr`` carries its own implicit ``(lr / 4) |grad C|^2``, so the
  run follows ``C + (lr / 4) |grad C|^2 + (lr / 4) mean_k |grad C_k|^2``: more than SGD's.
- ``exact``: the part of SGD's term that gradient descent lacks, ``(lr / 4) mean_k |grad C_k -
  grad C|^2`` (``grad C = mean_k grad C_k`` when the minibatches partition the examples), so the
  run follows ``C + (lr / 4) mean_k |grad C_k|^2``: SGD's modified loss exactly.
"""

from __future__ import annotations

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, grad, vmap
from torch.utils.data import DataLoader

from phenomena.common.lightning import StepTicks
from phenomena.common.manual_steps import adopt_automatic_checkpoint, optimizer_steps
from phenomena.inductive_bias.stepping import steps_per_evaluation

REGULARIZER_FORMS = ("paper", "exact")


def minibatch_gradient_sq_norms(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    micro_batch: int,
    order: torch.Tensor,
    *,
    centred: bool = False,
) -> torch.Tensor:
    """Squared norm of the cross-entropy gradient of each minibatch of ``micro_batch`` examples,
    the examples taken in ``order`` (the remainder, under ``micro_batch``, is left out); with
    ``centred``, of each minibatch's gradient minus their mean (the gradient over those examples).

    Differentiable: the gradient of their mean is what the explicit regularizer adds (a
    Hessian-vector product per minibatch, done by autograd through ``torch.func``).
    """
    count = len(order) // micro_batch
    chosen = order[: count * micro_batch]
    batched_inputs = inputs[chosen].reshape(count, micro_batch, *inputs.shape[1:])
    batched_labels = labels[chosen].reshape(count, micro_batch)
    parameters = dict(model.named_parameters())

    def minibatch_loss(params: dict, batch_inputs: torch.Tensor, batch_labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(functional_call(model, params, (batch_inputs,)), batch_labels)

    gradients = vmap(grad(minibatch_loss), in_dims=(None, 0, 0))(parameters, batched_inputs, batched_labels)
    if centred:
        gradients = {name: gradient - gradient.mean(0) for name, gradient in gradients.items()}
    return sum(gradient.flatten(1).pow(2).sum(1) for gradient in gradients.values())


def explicit_regularizer(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    *,
    lr: float,
    micro_batch: int,
    order: torch.Tensor,
    form: str = "paper",
) -> torch.Tensor:
    """``lr / 4`` x the mean squared norm of the minibatch gradients (Smith et al. 2021, eq. 1;
    ``form`` ``paper``), or of their deviations from the full gradient (``exact``: SGD's term
    minus gradient descent's own, see the module's docstring)."""
    if form not in REGULARIZER_FORMS:
        raise ValueError(f"regularizer form {form!r}; allowed: {', '.join(REGULARIZER_FORMS)}")
    norms = minibatch_gradient_sq_norms(model, inputs, labels, micro_batch, order, centred=form == "exact")
    return lr / 4 * norms.mean()


class ExampleOrder:
    """Random reshuffling: the order of the training examples, a fresh permutation every epoch.

    Its state (generator, permutation, position) travels in checkpoints, so a resumed run draws
    the minibatches the uninterrupted run drew.
    """

    def __init__(self, examples: int, seed: int):
        self.examples = examples
        self.generator = torch.Generator().manual_seed(seed)
        self.permutation = torch.randperm(examples, generator=self.generator)
        self.position = 0

    def next_batch(self, size: int) -> torch.Tensor:
        """The next ``size`` example indices; a new epoch starts when fewer than ``size`` remain."""
        if self.position + size > self.examples:
            self.permutation = torch.randperm(self.examples, generator=self.generator)
            self.position = 0
        batch = self.permutation[self.position : self.position + size]
        self.position += size
        return batch

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state(), "permutation": self.permutation, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.permutation, self.position = state["permutation"], state["position"]


class ClassifierModule(pl.LightningModule):
    """Minibatch training of one classifier on in-memory data, evaluated every Lightning epoch.

    One Lightning epoch is one ``training_step`` that takes all the optimizer steps between two
    evaluations (manual optimization: :mod:`phenomena.inductive_bias.stepping` says why).

    ``training``: ``optimizer`` (``adam`` or ``sgd``, plain: no momentum, no weight decay),
    ``lr``, ``batch_size`` (the whole training set: full-batch gradient descent), ``steps``,
    ``evaluations`` (records after equal numbers of steps), ``regularizer_batch``: when not
    None, the loss of every step gets :func:`explicit_regularizer` of form ``regularizer_form``
    over minibatches of that size (one partition of the training set, drawn once from
    ``order_seed``: a deterministic loss), and ``log_regularizer_batch``:
    when not None, the regularizer's value over minibatches of that size (one fixed partition)
    is recorded at each evaluation, whether or not it is trained on.
    """

    def __init__(self, model: nn.Module, data: dict[str, torch.Tensor], training: dict, *, order_seed: int):
        super().__init__()
        self.model, self.training_settings = model, training
        for name, tensor in data.items():
            self.register_buffer(name, tensor, persistent=False)
        self.examples = len(data["train_labels"])
        self.order = ExampleOrder(self.examples, order_seed)
        self.partition = torch.randperm(self.examples, generator=torch.Generator().manual_seed(order_seed))
        self.automatic_optimization = False

    @property
    def steps_per_evaluation(self) -> int:
        return steps_per_evaluation(self.training_settings)

    def train_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)  # one training_step = the steps of one evaluation

    def val_dataloader(self) -> DataLoader:
        return DataLoader(StepTicks(1), batch_size=None)

    def training_step(self, batch, batch_index) -> None:
        optimizer_steps(self, self.step_loss, self.steps_per_evaluation)

    def step_loss(self) -> torch.Tensor:
        """The loss of one optimizer step: on the next minibatch (or every example), plus the
        explicit regularizer when it is trained on."""
        settings = self.training_settings
        if settings["batch_size"] >= self.examples:
            inputs, labels = self.train_inputs, self.train_labels
        else:
            chosen = self.order.next_batch(settings["batch_size"]).to(self.device)
            inputs, labels = self.train_inputs[chosen], self.train_labels[chosen]
        loss = F.cross_entropy(self.model(inputs), labels)
        if settings["regularizer_batch"] is not None:
            form = settings["regularizer_form"]
            loss = loss + self.regularizer(self.partition, settings["regularizer_batch"], form)
        return loss

    def regularizer(self, order: torch.Tensor, micro_batch: int, form: str = "paper") -> torch.Tensor:
        return explicit_regularizer(
            self.model,
            self.train_inputs,
            self.train_labels,
            lr=self.training_settings["lr"],
            micro_batch=micro_batch,
            order=order.to(self.device),
            form=form,
        )

    def validation_step(self, batch, batch_index) -> None:
        self.log_dict(self.record(), batch_size=1)

    def record(self) -> dict[str, float]:
        """Loss and accuracy on both splits, and the regularizer's value when it is logged."""
        metrics = evaluate(self.model, self.splits())
        logged_batch = self.training_settings["log_regularizer_batch"]
        if logged_batch is not None:
            # Lightning validates under inference mode; the regularizer needs gradients
            with torch.inference_mode(False), torch.enable_grad():
                order = torch.randperm(self.examples, generator=torch.Generator().manual_seed(0))  # one fixed partition
                metrics["train_regularizer"] = float(self.regularizer(order, logged_batch).detach())
        return metrics

    def splits(self) -> dict[str, torch.Tensor]:
        names = ("train_inputs", "train_labels", "test_inputs", "test_labels")
        return {name: getattr(self, name) for name in names}

    def configure_optimizers(self):
        settings = self.training_settings
        if settings["optimizer"] == "adam":
            return torch.optim.Adam(self.model.parameters(), lr=settings["lr"])
        return torch.optim.SGD(self.model.parameters(), lr=settings["lr"])

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["example_order"] = self.order.state_dict()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.order.load_state_dict(checkpoint["example_order"])
        adopt_automatic_checkpoint(checkpoint, self.steps_per_evaluation)


@torch.no_grad()
def evaluate(model: nn.Module, data: dict[str, torch.Tensor]) -> dict[str, float]:
    """Cross-entropy and accuracy on both splits."""
    metrics = {}
    for split in ("train", "test"):
        logits = model(data[f"{split}_inputs"])
        labels = data[f"{split}_labels"]
        metrics[f"{split}_loss"] = float(F.cross_entropy(logits, labels))
        metrics[f"{split}_accuracy"] = float((logits.argmax(-1) == labels).float().mean())
    return metrics
