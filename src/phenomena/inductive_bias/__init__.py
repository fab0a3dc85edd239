"""Inductive bias: what the architecture gives, what SGD regularizes, and when training stays lazy.

Three parts, each a small famous experiment on a CPU:

- ``architecture``: an MLP and a 1D CNN of similar size on MNIST-1D (Greydanus 2020), on the
  original inputs and on inputs whose positions are shuffled by one fixed permutation;
- ``sgd``: test accuracy against batch size at a fixed learning rate, and full-batch gradient
  descent with the implicit regularizer of SGD made explicit (Smith, Dherin, Barrett and De 2021);
- ``kernel``: the empirical neural tangent kernel of 1D regression networks before and after
  training, against width and output scale (Jacot et al. 2018; Chizat, Oyallon and Bach 2019).
"""
