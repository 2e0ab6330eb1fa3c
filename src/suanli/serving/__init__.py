"""Inference plane: autoscaling and routing cores, trace replay (``serve-sim``), and later the gateway."""
