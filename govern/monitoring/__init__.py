"""Monitoring the champion on recent data: drift, performance, fairness and base rate, and the verdict in words."""
