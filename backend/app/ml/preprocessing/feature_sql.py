"""DuckDB SQL for the daily device features, built for one aggregation period.

Every window is causal: a row for day ``d`` reads telemetry of days ``d - W .. d``
only (``W`` = FEATURE_WINDOW_SIZE), so the row is the same whatever later data
exists and a day-by-day replay can take rows up to ``d``. The query reads one
extra day before the first baseline day so the first samples have their
predecessor. FEATURE_AGGREGATION_PERIOD sets the bucket inside which drilling-current
variability is measured: each hour of the day, the whole day, or the calendar week
up to and including ``d`` (battery drain is then measured over that week too).
"""

from __future__ import annotations

from app.core.config import AggregationPeriod

SAMPLE_PERIOD_S = 30
DRILL_MIN_AMP = 4.5  # above this the bit is cutting (same cut as the sessions table)
LOW_BATTERY_PCT = 20
SUDDEN_DROP_PCT = 5
JUMP_M = 400.0
CHARGE_MIN_PCT = 3
CHARGE_DAYS = 7
SPIKE_RATIO = 1.5
STALL_MAX_AMP = 0.5  # below the standby band (about 1.6 A): the motor has lost power
LOCAL_SAMPLES = 20  # the previous 20 samples, about ten of them drilling
TREND_DAYS = 7
TREND_POINTS = 4
METRES_PER_DEGREE = 111_320.0

# Ingestion stores each (device_id, seq, ts) once; a pod re-sending a sample under a
# new sequence number shows up as a second row at the same instant (``repeat``).
SAMPLES_SQL = """
steps AS (
    SELECT device_id, ts, seq, current_amp AS amp, gps_lat AS lat, gps_lon AS lon,
        battery_level AS batt, CAST(ts AS DATE) AS day,
        gps_lat IS NOT NULL AND gps_lon IS NOT NULL AS fix,
        epoch(ts) - epoch(lag(ts) OVER w) AS dt,
        CAST(seq AS HUGEINT) - lag(seq) OVER w AS dseq,
        lag(current_amp) OVER w AS prev_amp, lag(battery_level) OVER w AS prev_batt,
        lag(gps_lat) OVER w AS prev_lat, lag(gps_lon) OVER w AS prev_lon,
        avg(CASE WHEN current_amp > {drill} THEN current_amp END) OVER (
            PARTITION BY device_id ORDER BY ts, seq
            ROWS BETWEEN {local} PRECEDING AND 1 PRECEDING) AS local_amp
    FROM telemetry
    WHERE ts <= $as_of AND ts >= $read_start {device_clause}
    WINDOW w AS (PARTITION BY device_id ORDER BY ts, seq)
), samples AS (
    SELECT *, coalesce(dt <= {gap}, false) AS linked, amp > {drill} AS drill,
        coalesce(dt = 0, false) AS repeat,
        CASE WHEN dseq > 1 AND abs(dt - CAST(dseq AS DOUBLE) * {period}) <= {period} / 2
            THEN CAST(dseq - 1 AS BIGINT) ELSE 0 END AS lost,
        CASE WHEN dt <= {gap} THEN greatest(prev_batt - batt, 0) ELSE 0 END AS batt_drop,
        CASE WHEN dt <= {gap} THEN dt ELSE {period} END AS op_s,
        CASE WHEN dt <= {gap} AND fix AND prev_lat IS NOT NULL AND prev_lon IS NOT NULL
            THEN {mpd} * sqrt((lat - prev_lat) ^ 2
                + ((lon - prev_lon) * cos(radians(lat))) ^ 2) END AS step_m,
        date_trunc('hour', ts) AS hour
    FROM steps
), quarantined AS (
    -- rejected CSV lines still name their device and time in the first two fields
    SELECT split_part(raw, ',', 2) AS device_id, CAST(ts AS DATE) AS day, count(*) AS rows
    FROM (SELECT raw, timezone('UTC', try_cast(split_part(raw, ',', 1) AS TIMESTAMPTZ)) AS ts
          FROM quarantine)
    WHERE ts <= $as_of AND ts >= $read_start
    GROUP BY ALL
)"""

DAILY_SQL = """
daily AS (
    SELECT device_id, day, count(*) AS samples, count(*) FILTER (WHERE NOT linked) AS sessions,
        sum(op_s) / 3600.0 AS op_hours, count(*) FILTER (WHERE drill) AS drill_samples,
        avg(amp) FILTER (WHERE drill) AS amp_mean,
        quantile_cont(amp, 0.95) FILTER (WHERE drill) AS amp_p95,
        avg(CASE WHEN amp > {spike} * local_amp THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE drill AND local_amp > 0) AS spike_rate,
        -- a stall is counted on the sample after the drilling one, so day d never
        -- reads a later sample
        avg(CASE WHEN amp <= {stall} THEN 1.0 ELSE 0.0 END)
            FILTER (WHERE linked AND prev_amp > {drill}) AS stall_rate,
        sum(lost) / (sum(lost) + count(*)) AS lost_rate,
        avg(CASE WHEN repeat THEN 1.0 ELSE 0.0 END) AS duplicate_rate,
        count(*) FILTER (WHERE linked AND prev_batt - batt >= {sudden}) / count(*)
            FILTER (WHERE NOT linked) AS sudden_drops_per_session,
        min(batt) AS battery_min, max(batt) AS battery_max, arg_max(batt, ts) AS battery_last,
        avg(CASE WHEN batt < {low} THEN 1.0 ELSE 0.0 END) AS low_battery_share,
        max(batt) FILTER (WHERE NOT linked AND batt - prev_batt >= {charge}) AS charged_level,
        avg(CASE WHEN fix THEN 1.0 ELSE 0.0 END) AS fix_rate,
        avg(CASE WHEN fix <> (prev_lat IS NOT NULL AND prev_lon IS NOT NULL)
            THEN 1.0 ELSE 0.0 END) FILTER (WHERE linked) AS fix_flap_rate,
        median(step_m) AS gps_jitter_m,
        avg(CASE WHEN step_m > {jump} THEN 1.0 ELSE 0.0 END) AS gps_jump_rate
    FROM samples GROUP BY device_id, day
)"""

# Bucket sums: n, s1, s2 of drilling current; battery drop and operating seconds.
BUCKET_COLUMNS = """count(*) FILTER (WHERE drill) AS n, sum(amp) FILTER (WHERE drill) AS s1,
        sum(amp * amp) FILTER (WHERE drill) AS s2, sum(batt_drop) AS drop_pct,
        sum(op_s) AS op_s"""

CV = "sqrt(greatest({s2} / {n} - ({s1} / {n}) ^ 2, 0)) / nullif({s1} / {n}, 0)"
DRAIN = "{drop} * 3600.0 / nullif({op}, 0)"

HOUR_BUCKETS_SQL = f"""
buckets AS (
    SELECT device_id, day, hour, {BUCKET_COLUMNS} FROM samples GROUP BY device_id, day, hour
), bucketed AS (
    SELECT device_id, day,
        sum(n * ({CV.format(s2="s2", s1="s1", n="n")})) FILTER (WHERE n >= 3) / sum(n)
            FILTER (WHERE n >= 3) AS amp_cv,
        {DRAIN.format(drop="sum(drop_pct)", op="sum(op_s)")} AS drain_per_hour
    FROM buckets GROUP BY device_id, day
)"""

DAY_BUCKETS_SQL = f"""
buckets AS (
    SELECT device_id, day, {BUCKET_COLUMNS} FROM samples GROUP BY device_id, day
), bucketed AS (
    SELECT device_id, day, {CV.format(s2="s2", s1="s1", n="n")} AS amp_cv,
        {DRAIN.format(drop="drop_pct", op="op_s")} AS drain_per_hour
    FROM buckets
)"""

WEEK_BUCKETS_SQL = f"""
buckets AS (
    SELECT device_id, day, {BUCKET_COLUMNS} FROM samples GROUP BY device_id, day
), to_date AS (
    SELECT device_id, day, sum(n) OVER w AS n, sum(s1) OVER w AS s1, sum(s2) OVER w AS s2,
        sum(drop_pct) OVER w AS drop_pct, sum(op_s) OVER w AS op_s
    FROM buckets
    WINDOW w AS (PARTITION BY device_id, date_trunc('week', day) ORDER BY day
        ROWS UNBOUNDED PRECEDING)
), bucketed AS (
    SELECT device_id, day, {CV.format(s2="s2", s1="s1", n="n")} AS amp_cv,
        {DRAIN.format(drop="drop_pct", op="op_s")} AS drain_per_hour
    FROM to_date
)"""

BUCKETS_SQL = {
    AggregationPeriod.hour: HOUR_BUCKETS_SQL,
    AggregationPeriod.day: DAY_BUCKETS_SQL,
    AggregationPeriod.week: WEEK_BUCKETS_SQL,
}

# The fleet's drilling-current level per day, over every device even when only some
# devices are requested (then it needs its own scan).
FLEET_FROM_DAILY = """
fleet AS (SELECT day, median(amp_mean) AS fleet_amp FROM daily GROUP BY day)"""
FLEET_FROM_TELEMETRY = """
fleet AS (
    SELECT day, median(amp_mean) AS fleet_amp FROM (
        SELECT device_id, CAST(ts AS DATE) AS day,
            avg(current_amp) FILTER (WHERE current_amp > {drill}) AS amp_mean
        FROM telemetry WHERE ts <= $as_of AND ts >= $read_start GROUP BY ALL)
    GROUP BY day
)"""

GRID_SQL = """
devices AS (SELECT device_id, min(day) AS first_day FROM daily GROUP BY device_id),
grid AS (
    SELECT device_id, CAST(unnest(generate_series(first_day::TIMESTAMP,
        CAST($as_of AS DATE)::TIMESTAMP, INTERVAL 1 DAY)) AS DATE) AS day
    FROM devices
), joined AS (
    SELECT g.device_id, g.day, d.* EXCLUDE (device_id, day), b.amp_cv, b.drain_per_hour,
        coalesce(q.rows, 0) / (coalesce(q.rows, 0) + d.samples) AS quarantine_rate,
        d.samples IS NOT NULL AS active
    FROM grid g LEFT JOIN daily d USING (device_id, day) LEFT JOIN bucketed b USING (device_id, day)
        LEFT JOIN quarantined q USING (device_id, day)
)"""

# Baselines look at the W days before d only; "healthy side" quantiles resist a slow
# fault dragging the baseline along with it.
HISTORY_SQL = """
history AS (
    SELECT *,
        count(samples) OVER prior AS baseline_days, count(*) OVER prior AS span_days,
        (count(samples) OVER weekday + 0.5) / (count(*) OVER weekday + 1.0) AS weekday_usage,
        max(CASE WHEN active THEN day END) OVER upto AS last_active_day,
        count(samples) OVER (PARTITION BY device_id ORDER BY day ROWS UNBOUNDED PRECEDING) AS run,
        median(amp_mean) OVER prior AS amp_baseline,
        quantile_cont(amp_cv, 0.25) OVER prior AS amp_cv_baseline,
        quantile_cont(spike_rate, 0.25) OVER prior AS spike_baseline,
        quantile_cont(drain_per_hour, 0.25) OVER prior AS drain_baseline,
        quantile_cont(charged_level, 0.75) OVER prior AS charge_baseline,
        last_value(charged_level IGNORE NULLS) OVER charges AS charge_level,
        quantile_cont(fix_rate, 0.9) OVER prior AS fix_baseline,
        quantile_cont(gps_jitter_m, 0.25) OVER prior AS jitter_baseline,
        quantile_cont(lost_rate, 0.25) OVER prior AS lost_baseline,
        CASE WHEN regr_count(amp_mean, epoch(day)) OVER trend >= {trend_points}
            THEN regr_slope(amp_mean, epoch(day) / 86400.0) OVER trend END AS amp_slope
    FROM joined LEFT JOIN fleet USING (day)
    WINDOW prior AS (PARTITION BY device_id ORDER BY day
            RANGE BETWEEN INTERVAL {window} DAYS PRECEDING AND INTERVAL 1 DAYS PRECEDING),
        weekday AS (PARTITION BY device_id, dayofweek(day) ORDER BY day
            RANGE BETWEEN INTERVAL {window} DAYS PRECEDING AND INTERVAL 1 DAYS PRECEDING),
        upto AS (PARTITION BY device_id ORDER BY day
            RANGE BETWEEN INTERVAL {window} DAYS PRECEDING AND CURRENT ROW),
        trend AS (PARTITION BY device_id ORDER BY day
            RANGE BETWEEN INTERVAL {trend} DAYS PRECEDING AND CURRENT ROW),
        charges AS (PARTITION BY device_id ORDER BY day
            RANGE BETWEEN INTERVAL {charge_days} DAYS PRECEDING AND CURRENT ROW)
), surprise AS (
    -- -log10 P(no data on this day | the device's usage on this weekday); today only
    -- counts the part of the day that has passed
    SELECT *, CASE WHEN active THEN 0.0 ELSE -log10(1.0 - weekday_usage * CASE
            WHEN day = CAST($as_of AS DATE)
            THEN (epoch($as_of) - epoch(CAST(day AS TIMESTAMP))) / 86400.0 ELSE 1.0 END)
        END AS day_surprise
    FROM history
)"""

SELECT_SQL = """
SELECT * EXCLUDE (last_active_day, fleet_amp, run, day_surprise),
    coalesce(CAST(day - last_active_day AS INTEGER), {window} + 1) AS silent_days,
    sum(day_surprise) OVER (PARTITION BY device_id, run ORDER BY day
        ROWS UNBOUNDED PRECEDING) AS silence_surprise,
    baseline_days / nullif(span_days, 0) AS usage_rate,
    abs(ln(amp_mean / nullif(amp_baseline, 0))) AS amp_level_dev,
    amp_mean / nullif(fleet_amp, 0) AS amp_fleet_ratio,
    amp_cv - amp_cv_baseline AS amp_cv_dev,
    spike_rate - spike_baseline AS spike_dev,
    abs(amp_slope) / nullif(amp_baseline, 0) AS amp_trend,
    drain_per_hour - drain_baseline AS drain_dev,
    battery_last / nullif(drain_per_hour, 0) AS time_to_empty_h,
    charge_baseline - charge_level AS charge_deficit,
    CASE WHEN fix_rate IS NOT NULL THEN greatest(fix_baseline - fix_rate, 0) END AS fix_loss,
    gps_jitter_m - jitter_baseline AS jitter_dev,
    lost_rate - lost_baseline AS lost_dev
FROM surprise
QUALIFY day >= $out_start
ORDER BY device_id, day"""


def daily_features_sql(
    period: AggregationPeriod, window_days: int, gap_seconds: int, *, filter_devices: bool
) -> str:
    """The full query; parameters ``$as_of``, ``$read_start``, ``$out_start`` (+ ``$devices``)."""
    device_clause = "AND list_contains($devices, device_id)" if filter_devices else ""
    values = {
        "device_clause": device_clause,
        "gap": int(gap_seconds),
        "period": SAMPLE_PERIOD_S,
        "drill": DRILL_MIN_AMP,
        "local": LOCAL_SAMPLES,
        "mpd": METRES_PER_DEGREE,
        "spike": SPIKE_RATIO,
        "stall": STALL_MAX_AMP,
        "sudden": SUDDEN_DROP_PCT,
        "low": LOW_BATTERY_PCT,
        "jump": JUMP_M,
        "window": int(window_days),
        "trend": TREND_DAYS - 1,
        "trend_points": TREND_POINTS,
        "charge": CHARGE_MIN_PCT,
        "charge_days": CHARGE_DAYS - 1,
    }
    fleet = FLEET_FROM_TELEMETRY if filter_devices else FLEET_FROM_DAILY
    ctes = [SAMPLES_SQL, DAILY_SQL, BUCKETS_SQL[period], fleet, GRID_SQL, HISTORY_SQL]
    body = ",".join(part.format(**values) for part in ctes)
    return "WITH" + body + SELECT_SQL.format(**values)
