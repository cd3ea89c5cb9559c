"""What the experiment report reads from the prediction log: one row per customer, and counts.

Ten million customers scored daily make a live frame (one row per batch and customer) of
30M rows in three days, 3 GB or more in pandas.  The report's statistics need only one
row per customer (its earliest batch with a matured outcome or, while none has matured,
its earliest batch) and, over the rows, counts by batch, day, arm and version.  On the
Parquet log DuckDB makes both from the files (:func:`from_view`), so pandas holds one
compact row per customer (categorical batches, arms and versions, no ids); on the SQL
log the same reductions run on the live frame in pandas (:func:`from_frame`), and a test
holds the two equal.  Units are ordered by batch day, batch and id, so a seeded
resampling sees the same rows in the same order on either path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from govern.live.assignment import CONTROL, TREATMENT

UNIT_COLUMNS = ["batch_id", "as_of", "arm", "champion_version", "champion_score", "decision", "challenger_version", "challenger_score", "outcome"]
_BY = ["batch_id", "as_of", "arm", "champion_version", "challenger_version"]


@dataclass(frozen=True)
class Silent:
    """What the live gate reads of the rows a silent challenger scored: its latest version,
    the champion of its last row, the days it was scored, and its control rows still
    without a matured outcome, counted by batch day (in day order)."""

    challenger: str
    champion_version: str
    days: list[date]
    pending: list[tuple[date, int]]


def silent_of(frame: pd.DataFrame) -> Silent | None:
    """:class:`Silent` from a live frame (None if no challenger was scored)."""
    silent = frame[frame["challenger_version"].notna()]
    if silent.empty:
        return None
    challenger = str(silent.sort_values("as_of")["challenger_version"].iloc[-1])
    mine = silent[silent["challenger_version"] == challenger]
    days = sorted(pd.to_datetime(mine["as_of"]).dt.date.unique())
    pending = mine[(mine["arm"] == CONTROL) & ~mine["matured"].fillna(False).astype(bool)]
    per_day = pd.to_datetime(pending["as_of"]).dt.date.value_counts().sort_index()
    return Silent(challenger, str(mine["champion_version"].iloc[-1]), days, [(d, int(n)) for d, n in per_day.items()])


@dataclass(frozen=True)
class ReportData:
    """The report's input; ``matured``, ``provisional`` and the counts are of the risk
    policy's view (:func:`policies.risk_view`) when the experiment has policy arms."""

    predictions: int
    start: date | None
    champion_version: str | None
    challenger_version: str | None
    matured: pd.DataFrame
    provisional: pd.DataFrame
    srm: tuple[int, int, pd.DataFrame]
    cohorts: pd.DataFrame  # batch_id, as_of, scored, matured, known, in batch order
    silent: Silent | None
    policy_units: pd.DataFrame | None = None
    policy_customers: dict[str, int] | None = None


def _cohorts(frame: pd.DataFrame) -> pd.DataFrame:
    return (frame.assign(known=frame["outcome"].notna(), mat=frame["matured"].fillna(False).astype(bool))
            .groupby("batch_id").agg(as_of=("as_of", "first"), scored=("customer_id", "size"), matured=("mat", "sum"), known=("known", "sum"))
            .reset_index())


def from_frame(frame: pd.DataFrame, *, arms: bool) -> ReportData:
    """The reductions in pandas, on a live frame (:meth:`PredictionLog.live_frame`)."""
    from govern.live import experiment as ex
    from govern.live import policies, srm

    start = pd.to_datetime(frame["as_of"]).min().date() if len(frame) else None
    policy_units = policy_customers = None
    if arms:
        policy_units, policy_customers = ex.units(frame, matured=True)[UNIT_COLUMNS], policies.first_arms(frame)
        frame = policies.risk_view(frame)
    matured = ex.units(frame, matured=True)
    provisional = ex.pending_units(frame, matured)
    silent = frame["challenger_version"].dropna()
    return ReportData(predictions=len(frame), start=start, champion_version=str(frame["champion_version"].iloc[-1]) if len(frame) else None,
                      challenger_version=str(silent.iloc[-1]) if len(silent) else None, matured=matured[UNIT_COLUMNS],
                      provisional=provisional[UNIT_COLUMNS], srm=srm.counts(frame), cohorts=_cohorts(frame), silent=silent_of(frame),
                      policy_units=policy_units, policy_customers=policy_customers)


def _enum(conn, name: str, values) -> str:
    listed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted({str(v) for v in values}))
    conn.execute(f"DROP TYPE IF EXISTS {name}; CREATE TYPE {name} AS ENUM ({listed})")
    return name


def _last(groups: pd.DataFrame, column: str) -> str | None:
    """``column`` at the last row in (day, batch, id) order, from groups holding their last id."""
    return str(groups.sort_values(["as_of", "batch_id", "last_id"])[column].iloc[-1]) if len(groups) else None


def _silent(groups: pd.DataFrame) -> Silent | None:
    scored = groups[groups["challenger_version"].notna()]
    if scored.empty:
        return None
    challenger = _last(scored, "challenger_version")
    mine = scored[scored["challenger_version"] == challenger]
    waiting = mine[mine["arm"] == CONTROL].assign(pending=lambda g: g["n"] - g["mat"]).groupby("as_of")["pending"].sum()
    return Silent(str(challenger), str(_last(mine, "champion_version")), sorted({d.date() for d in mine["as_of"]}),
                  [(d.date(), int(n)) for d, n in waiting.items() if n > 0])


def _fetch(conn, sql: str, batch_rows: int = 1_000_000) -> pd.DataFrame:
    """``sql``'s rows as a frame filled batch by batch into columns sized once, so neither
    DuckDB's whole Arrow result nor a concatenation is held beside the frame (categorical
    columns keep codes and their enum's categories)."""
    n = conn.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]
    columns: dict[str, np.ndarray] = {}
    categories: dict[str, pd.Index] = {}
    at = 0
    for batch in conn.sql(sql).fetch_record_batch(batch_rows):
        part = batch.to_pandas()
        for name, values in part.items():
            if isinstance(values.dtype, pd.CategoricalDtype):
                categories.setdefault(name, values.cat.categories)
                values = pd.Series(pd.Categorical(values, categories=categories[name]).codes)
            if name not in columns:
                columns[name] = np.empty(n, dtype=values.dtype)
            columns[name][at:at + len(part)] = values.to_numpy()
        at += len(part)
    if not columns:  # no rows: the same dtypes as the filled path's
        return conn.sql(sql).to_arrow_table().to_pandas()
    return pd.DataFrame({name: pd.Categorical.from_codes(values, categories[name]) if name in categories else values
                         for name, values in columns.items()}, copy=False)


def _units(conn, where: str, arm_sql: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Matured and provisional units and customers by first arm, over the rows ``where`` keeps."""
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE units AS SELECT customer_id, arg_min(arm, (as_of, batch_id)) AS first_arm,
            arg_min({{batch_id: batch_id, as_of: as_of, arm: arm, champion_version: champion_version, champion_score: champion_score,
                     decision: decision, challenger_version: challenger_version, challenger_score: challenger_score, outcome: outcome, mk: mk}},
                    (NOT mk, as_of, batch_id)) AS u
        FROM (SELECT * REPLACE ({arm_sql} AS arm), outcome IS NOT NULL AND coalesce(matured, false) AS mk FROM rows {where})
        GROUP BY customer_id""")
    first = {str(k): int(v) for k, v in conn.execute("SELECT first_arm, count(*) FROM units GROUP BY 1").fetchall()}
    arms = _enum(conn, "arm_t", first)
    cols = (f"u.batch_id::batch_t AS batch_id, u.as_of::TIMESTAMP_S AS as_of, u.arm::{arms} AS arm, u.champion_version::version_t AS champion_version,"
            " u.champion_score, u.decision::TINYINT AS decision, u.challenger_version::version_t AS challenger_version, u.challenger_score")
    out = [_fetch(conn, f"SELECT {cols}, {outcome} AS outcome FROM units WHERE u.mk = {matured} ORDER BY u.as_of, u.batch_id, customer_id")
           for matured, outcome in ((True, "u.outcome"), (False, "coalesce(u.outcome, 0.0)"))]
    conn.execute("DROP TABLE units")
    return out[0], out[1], first


def from_view(conn, *, arms: bool) -> ReportData:
    """The reductions in DuckDB, on the view ``live`` of ``conn`` (:meth:`ParquetPredictionLog.live_view`)."""
    conn.execute("CREATE OR REPLACE TEMP TABLE rows AS SELECT * EXCLUDE (outcome_date) FROM live")  # the joins once (spilled past DuckDB's limit)
    groups = conn.sql(f"""SELECT {', '.join(_BY)}, count(*) AS n, count(*) FILTER (WHERE coalesce(matured, false)) AS mat,
            count(outcome) AS known, max(customer_id) AS last_id FROM rows GROUP BY ALL""").df()
    if groups.empty:
        return from_frame(conn.sql("SELECT * FROM live").df(), arms=arms)
    groups["as_of"] = pd.to_datetime(groups["as_of"])
    start = groups["as_of"].min().date() if len(groups) else None
    _enum(conn, "batch_t", groups["batch_id"])
    _enum(conn, "version_t", pd.concat([groups["champion_version"], groups["challenger_version"].dropna()]))
    policy_units = policy_customers = None
    where, arm_sql = "", "arm"
    if arms:
        policy_units, _, policy_customers = _units(conn, "", "arm")
        groups = groups[groups["arm"].isin(["risk", CONTROL])].assign(arm=lambda g: g["arm"].where(g["arm"] == CONTROL, TREATMENT))
        where, arm_sql = f"WHERE arm IN ('risk', '{CONTROL}')", f"CASE WHEN arm = '{CONTROL}' THEN '{CONTROL}' ELSE '{TREATMENT}' END"
    matured, provisional, first = _units(conn, where, arm_sql)
    batches = (groups.assign(t=groups["n"].where(groups["arm"] == TREATMENT, 0), c=groups["n"].where(groups["arm"] == CONTROL, 0))
               .groupby("batch_id")[["t", "c"]].sum())
    cohorts = groups.groupby("batch_id").agg(as_of=("as_of", "min"), scored=("n", "sum"), matured=("mat", "sum"), known=("known", "sum")).reset_index()
    silent = groups[groups["challenger_version"].notna()]
    return ReportData(predictions=int(groups["n"].sum()), start=start, champion_version=_last(groups, "champion_version"),
                      challenger_version=_last(silent, "challenger_version"), matured=matured, provisional=provisional,
                      srm=(first.get(TREATMENT, 0), first.get(CONTROL, 0), batches), cohorts=cohorts, silent=_silent(groups),
                      policy_units=policy_units, policy_customers=policy_customers)


def read(log, model: str, *, arms: bool) -> ReportData:
    """The report's input from a prediction log: reduced by DuckDB on the Parquet log, by
    pandas on the SQL log's live frame."""
    view = getattr(log, "live_view", None)
    if view is None:
        return from_frame(log.live_frame(model), arms=arms)
    with view(model) as conn:
        return from_view(conn, arms=arms)
