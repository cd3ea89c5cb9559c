"""Uplift models: who the offer changes, learnt from the live experiment's own two arms.

Targeting by churn risk spends offers on customers who leave whatever is done and on
those who would stay anyway (Ascarza, JMR 2018).  The control group the live experiment
keeps is exactly the data that tells them apart: among customers the champion's decision
selected, the treatment arm received the offer and the held-out control arm, at the same
scores, did not.  This package builds that table from the prediction log and matured
outcomes (:mod:`~govern.uplift.table`), fits meta-learners over CatBoost
(:mod:`~govern.uplift.learners`), evaluates them on held-out customers by Qini and AUUC
with bootstrap intervals and by decile (:mod:`~govern.uplift.qini`), judges them by gates
(:mod:`~govern.uplift.gate`), and prices a targeting rule in incremental value
(:mod:`~govern.uplift.targeting`).  The uplift is always the reduction of the spec's
outcome (churn) that the offer causes, so value is uplift x value per outcome prevented.
"""
