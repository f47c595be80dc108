"""The Theory lab's maths: D*, V(D, G), the JS divergence and densities of p_g, in 1-D and 2-D. Below the metrics,
which measure runs with the same maths."""
