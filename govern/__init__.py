"""Governance of customer-analytics models: champion-challenger training, gates,
fairness and drift checks, model cards, reviewer approval and an audit trail."""

__version__ = "0.1.0"
