"""Live experiments on customers: daily scoring with a silent challenger, the holdout control group, maturing outcomes,
the experiment's statistics and the live gate."""
