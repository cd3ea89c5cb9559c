"""Generated demo data whose ground truth is known (customers, transactions, a retention campaign); product code never imports it."""
