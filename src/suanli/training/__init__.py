"""Training plane: jobs, checkpoints and the built-in tinygpt trainer."""
