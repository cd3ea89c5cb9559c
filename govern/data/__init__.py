"""The customer table on arrival: validation against the spec, entity- and time-aware splits, transaction logs, training overlap and retraining rows."""
