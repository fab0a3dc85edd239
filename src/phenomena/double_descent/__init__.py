"""Double descent (Belkin et al. 2019; Nakkiran et al. 2019) on MNIST-1D, or CIFAR-10 at paper scale."""
