-- Per device and day, the evidence the health model reads: sums and counts rather than
-- ratios, so that days can be pooled (a reference over several days, a place over a
-- month) by adding them up. Only the device's own pod counts (see streams.sql).
kept AS (
    SELECT * EXCLUDE (intruder, segment, track, k) FROM streams WHERE NOT intruder
), steps AS (
    SELECT *, CAST(ts AS DATE) AS day,
        lat IS NOT NULL AND lon IS NOT NULL AS fix,
        epoch(ts) - epoch(lag(ts) OVER w) AS dt,
        CAST(seq AS DOUBLE) - CAST(lag(seq) OVER w AS DOUBLE) AS dseq,
        lag(amp) OVER w AS prev_amp, lag(batt) OVER w AS prev_batt,
        lag(lat) OVER w AS prev_lat, lag(lon) OVER w AS prev_lon,
        avg(CASE WHEN amp > {drill} THEN amp END) OVER (PARTITION BY device_id ORDER BY ts, seq
            ROWS BETWEEN {local} PRECEDING AND 1 PRECEDING) AS local_amp
    FROM kept
    WINDOW w AS (PARTITION BY device_id ORDER BY ts, seq)
), linked AS (
    SELECT *, coalesce(dt <= {gap}, false) AS link, amp > {drill} AS drill
    FROM steps
), sessioned AS (
    SELECT *, sum(CASE WHEN link THEN 0 ELSE 1 END) OVER (PARTITION BY device_id
            ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) AS session
    FROM linked
), samples AS (
    SELECT *,
        -- a session's place (its part of each day): the grid cell of its median fix
        coalesce(
            CAST(floor(median(lat) OVER s / {cell_lat}) AS BIGINT) || ':'
                || CAST(floor(median(lon) OVER s / {cell_lon}) AS BIGINT),
            'nofix') AS place,
        count(*) FILTER (WHERE fix) OVER s > 0 AS fix_session,
        -- the counter kept pace with the clock: the samples in between were sent, not received
        CASE WHEN dseq > 1 AND dseq < {max_lost}
            AND abs(dt - dseq * {period}) <= {period} / 2 THEN dseq - 1 ELSE 0 END AS lost,
        coalesce(dt = 0, false) AS repeat,
        CASE WHEN link THEN dt ELSE {period} END AS op_s,
        -- battery: a step inside a session, unless the pod was being charged
        CASE WHEN link AND batt - prev_batt < {charge} THEN prev_batt - batt END AS drop_pct,
        CASE WHEN link AND batt - prev_batt < {charge} THEN dt END AS drop_s,
        -- a full charge: higher after a pause long enough to charge (not a break's top-up)
        CASE WHEN batt - prev_batt >= {charge} AND dt >= {full_charge_s} THEN batt END AS charged,
        link AND prev_batt - batt >= {sudden} AS sudden,
        link AND prev_amp > {drill} AND amp <= {stall} AS stall,
        link AND prev_amp > {drill} AS stall_chance,
        drill AND local_amp > 0 AND amp > {spike} * local_amp AS spike,
        drill AND local_amp > 0 AS spike_chance,
        CASE WHEN link AND fix AND prev_lat IS NOT NULL AND prev_lon IS NOT NULL
            THEN {mpd} * sqrt((lat - prev_lat) ^ 2
                + ((lon - prev_lon) * cos(radians(lat))) ^ 2) END AS step_m
    FROM sessioned
    WINDOW s AS (PARTITION BY device_id, session, day)
), buckets AS (
    SELECT device_id, day, {bucket} AS bucket, count(*) FILTER (WHERE drill) AS n,
        sum(amp) FILTER (WHERE drill) AS s1, sum(amp * amp) FILTER (WHERE drill) AS s2
    FROM samples GROUP BY ALL
), day_sums AS (
    -- a bucket's CV weighs by its drilling samples (buckets of under 3 samples say nothing)
    SELECT device_id, day, sum(n) AS n, sum(s1) AS s1, sum(s2) AS s2,
        sum(n * sqrt(greatest(s2 / n - (s1 / n) ^ 2, 0)) / (s1 / n)) FILTER (WHERE n >= 3)
            AS weighted_cv,
        sum(n) FILTER (WHERE n >= 3) AS weighted_n
    FROM buckets GROUP BY ALL
), variation AS (
    SELECT device_id, day, {variation} AS amp_cv FROM day_sums
    WINDOW week AS (PARTITION BY device_id, date_trunc('week', day) ORDER BY day
        ROWS UNBOUNDED PRECEDING)
), place_day AS (
    SELECT device_id, day, place,
        count(*) FILTER (WHERE fix_session) AS fix_session_samples,
        count(*) FILTER (WHERE fix_session AND NOT fix) AS fixless_samples,
        count(*) + sum(lost) AS sent, sum(lost) AS lost
    FROM samples GROUP BY ALL
), place_totals AS (
    SELECT place, day, sum(fix_session_samples) AS fs, sum(fixless_samples) AS fl,
        sum(sent) AS sent, sum(lost) AS lost
    FROM place_day GROUP BY ALL
), place_rolling AS (
    -- what every pod met at each place over the context window
    SELECT place, day, sum(fs) OVER r AS all_fs, sum(fl) OVER r AS all_fl,
        sum(sent) OVER r AS all_sent, sum(lost) OVER r AS all_lost
    FROM place_totals
    WINDOW r AS (PARTITION BY place ORDER BY day
        RANGE BETWEEN INTERVAL ({window} - 1) DAYS PRECEDING AND CURRENT ROW)
), place_window AS (
    -- ... and what this pod alone met there
    SELECT p.*, r.all_fs, r.all_fl, r.all_sent, r.all_lost,
        sum(p.fix_session_samples) OVER own AS own_fs, sum(p.fixless_samples) OVER own AS own_fl,
        sum(p.sent) OVER own AS own_sent, sum(p.lost) OVER own AS own_lost
    FROM place_day p JOIN place_rolling r USING (place, day)
    WINDOW own AS (PARTITION BY p.device_id, p.place ORDER BY p.day
        RANGE BETWEEN INTERVAL ({window} - 1) DAYS PRECEDING AND CURRENT ROW)
), context AS (
    -- expected shares at each place from the other pods there (pseudo-counts keep a
    -- place nobody else has visited near the fleet's open-sky prior)
    SELECT device_id, day,
        sum(fix_session_samples * (all_fl - own_fl + {prior_n} * {fixless_prior})
            / (all_fs - own_fs + {prior_n})) AS expected_fixless,
        sum(fix_session_samples * {prior_n} / (all_fs - own_fs + {prior_n})) AS fixless_unknown,
        sum(sent * (all_lost - own_lost + {prior_n} * {lost_prior})
            / (all_sent - own_sent + {prior_n})) AS expected_lost,
        sum(sent * {prior_n} / (all_sent - own_sent + {prior_n})) AS lost_unknown
    FROM place_window GROUP BY ALL
), quarantined AS (
    SELECT split_part(raw, ',', 2) AS device_id, CAST(ts AS DATE) AS day, count(*) AS rows
    FROM (SELECT raw, timezone('UTC', try_cast(split_part(raw, ',', 1) AS TIMESTAMPTZ)) AS ts
          FROM quarantine)
    WHERE ts <= $as_of AND ts >= $read_start
    GROUP BY ALL
), daily AS (
    SELECT device_id, day,
        count(*) AS samples, count(DISTINCT session) AS sessions,
        sum(op_s) / 3600.0 AS op_hours, max(ts) AS last_ts,
        -- motor
        count(*) FILTER (WHERE drill) AS drill_samples,
        median(amp) FILTER (WHERE drill) AS amp_median,
        count(*) FILTER (WHERE amp > {standby} AND NOT drill) AS spin_samples,
        median(amp) FILTER (WHERE amp > {standby} AND NOT drill) AS spin_median,
        count(*) FILTER (WHERE stall) AS stalls, count(*) FILTER (WHERE stall_chance) AS stall_chances,
        count(*) FILTER (WHERE spike) AS spikes, count(*) FILTER (WHERE spike_chance) AS spike_chances,
        -- battery
        sum(drop_pct) AS drop_pct, sum(drop_s) / 3600.0 AS drop_hours,
        max(charged) AS charged_level, count(*) FILTER (WHERE sudden) AS sudden_drops,
        min(batt) AS battery_min, arg_max(batt, ts) AS battery_last,
        -- GPS
        count(*) FILTER (WHERE fix) AS fixes,
        median(step_m) FILTER (WHERE step_m <= {jump}) AS jitter_m,
        count(step_m) AS fix_steps, count(*) FILTER (WHERE step_m > {jump}) AS jumps,
        -- a receiver's fixes always differ a little; the very same position again is a frozen one
        count(*) FILTER (WHERE step_m = 0 AND dt > 0) AS frozen_steps,
        median(lat) AS lat, median(lon) AS lon,
        -- radio
        sum(lost) AS lost, count(*) FILTER (WHERE repeat) AS repeats
    FROM samples GROUP BY ALL
)
SELECT d.*, v.amp_cv,
    c.expected_fixless, c.fixless_unknown, c.expected_lost, c.lost_unknown,
    p.fix_session_samples, p.fixless_samples,
    coalesce(q.rows, 0) AS quarantined
FROM daily d
LEFT JOIN variation v USING (device_id, day)
LEFT JOIN context c USING (device_id, day)
LEFT JOIN (SELECT device_id, day, sum(fix_session_samples) AS fix_session_samples,
        sum(fixless_samples) AS fixless_samples FROM place_day GROUP BY ALL) p
    USING (device_id, day)
LEFT JOIN quarantined q USING (device_id, day)
ORDER BY device_id, day
