"""G's latent space: a private copy of G (LatentModel), interpolations and walks, for the Latent explorer."""
