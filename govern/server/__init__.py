"""What runs in the team server: the MLflow server app that enforces separation of duties, its side of the audit chain, and starting it."""
