"""Plumbing around the libraries: Prefect's temporary and scheduling servers, new MLflow stores, and the MLflow UI."""
