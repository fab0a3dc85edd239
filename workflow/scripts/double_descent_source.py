"""Rule double_descent_source: MNIST-1D generated from its templates, or CIFAR-10 read from disk."""

from phenomena.common.runtime import imports_without_collection

with imports_without_collection():  # see there: ~0.8 s of a training job's start
    from phenomena.common.runtime import output_to_log
    from phenomena.double_descent.data import load_cifar10, make_mnist1d

data = snakemake.params.data  # noqa: F821 (injected by Snakemake)
with output_to_log(snakemake.log[0]):  # noqa: F821 (a missing CIFAR-10 ends the job with one line)
    if data["source"] == "mnist1d":
        source = make_mnist1d(**data["mnist1d"])
    else:
        source = load_cifar10(data["cifar10_path"])
    source.save(snakemake.output[0])  # noqa: F821
    print(f"{data['source']}: {len(source.train_labels)} train / {len(source.test_labels)} test examples")
