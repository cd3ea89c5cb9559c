"""The numbers: holdout metrics, paired comparisons and bootstrap intervals, computed without materialising resampled rows."""
