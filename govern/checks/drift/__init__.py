"""Data drift with Evidently: the statistics on all rows, the verdict per column and the HTML report."""
