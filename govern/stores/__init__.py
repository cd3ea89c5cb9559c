"""Where state is kept: the MLflow registry adapter (it reads and writes, it decides nothing), the champion's artifacts,
the prediction log, and the audit chain."""
