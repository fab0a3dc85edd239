"""Perturbation study: small changes, large effects.

Three parts, each a few CPU minutes at most:

- ``datasaurus``: simulated annealing moves a 2-D point cloud onto a target shape while
  its summary statistics stay equal to two decimals (Matejka & Fitzmaurice 2017).
- ``diffusion``: a small DDPM learns a swiss roll and is run backwards from Gaussian noise
  and from a fixed line of points (Sohl-Dickstein et al. 2015; Ho et al. 2020).
- ``zero_init``: an MLP on MNIST-1D from default, all-zero and constant initial weights;
  the last two cannot break the symmetry between hidden units.
"""
