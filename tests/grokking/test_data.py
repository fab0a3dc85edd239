import itertools

import pytest
import torch

from phenomena.grokking.data import OPERATIONS, all_pairs, apply_operation, is_prime, make_dataset

P = 13


def python_result(operation: str, a: int, b: int, p: int) -> int:
    return {
        "add": (a + b) % p,
        "sub": (a - b) % p,
        "div": (a * pow(b, p - 2, p)) % p,  # Fermat: b^(p-2) is b's inverse mod a prime
        "quad": (a * a + a * b + b * b) % p,
    }[operation]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_pair_once_with_python_arithmetic(operation):
    inputs, labels = all_pairs(operation, P)
    pairs = [(int(a), int(b)) for a, b, _ in inputs]
    expected = [(a, b) for a, b in itertools.product(range(P), repeat=2) if operation != "div" or b != 0]
    assert sorted(pairs) == expected
    assert (inputs[:, 2] == P).all(), "third token is '='"
    assert [int(c) for c in labels] == [python_result(operation, a, b, P) for a, b in pairs]


def test_division_inverts_multiplication():
    inputs, labels = all_pairs("div", P)
    for (a, b, _), c in zip(inputs, labels):
        assert (int(c) * int(b)) % P == a


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.8])
def test_split_is_disjoint_complete_and_sized(fraction):
    data = make_dataset("add", P, fraction, seed=1)
    train = {tuple(x.tolist()) for x in data.train_inputs}
    val = {tuple(x.tolist()) for x in data.val_inputs}
    assert not train & val
    assert len(train) + len(val) == P * P
    assert len(train) == round(fraction * P * P)


def test_split_depends_on_seed_only():
    first, again, other = (make_dataset("add", P, 0.5, seed) for seed in (0, 0, 1))
    assert torch.equal(first.train_inputs, again.train_inputs)
    assert not torch.equal(first.train_inputs, other.train_inputs)


def test_save_and_load_round_trip(tmp_path):
    data = make_dataset("quad", P, 0.4, seed=2)
    data.save(tmp_path / "d.pt")
    back = type(data).load(tmp_path / "d.pt")
    assert back.operation == "quad" and back.modulus == P
    assert torch.equal(back.val_labels, data.val_labels)


def test_bad_arguments_are_refused():
    assert is_prime(97) and not is_prime(91) and not is_prime(1)
    with pytest.raises(ValueError, match="prime"):
        make_dataset("add", 12, 0.5, 0)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        make_dataset("add", 13, 1.0, 0)
    with pytest.raises(ValueError, match="unknown operation 'mul'"):
        apply_operation("mul", 1, 2, 13)
