"""Training: the shared loop, data streams and curves; tasks supply the rest."""
