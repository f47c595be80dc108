"""The GAN itself: the config and presets, the Trainer and its losses, models, data, EMA, NaN recovery and
devices. Plain PyTorch: no threads, no UI, no server. Everything above imports this; it imports nothing above."""
