"""The measurements a challenger is judged on, each independent of the others: leakage, fairness and drift."""
