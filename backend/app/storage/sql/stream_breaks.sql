-- Rows whose pod counter breaks from the previous row's: same device, at most {gap} s
-- apart, k = seq * {period} - epoch(ts) more than {track_gap} away. streams.sql splits a
-- run of samples into tracks where the sorted k jumps by more than {track_gap}, and an
-- intruder track overlaps the main one in time, so some two neighbouring rows of that run
-- belong to different tracks: every collision episode holds a break. One window pass,
-- against streams.sql's several: collisions are then looked for in the runs with a break.
SELECT device_id, ts FROM (
    SELECT device_id, ts, CAST(seq AS DOUBLE) * {period} - epoch(ts) AS k,
        lag(CAST(seq AS DOUBLE) * {period} - epoch(ts)) OVER runs AS prev_k,
        epoch(ts) - epoch(lag(ts) OVER runs) AS gap_s
    FROM {telemetry}
    WHERE ts <= $as_of AND ts >= $read_start
    WINDOW runs AS (PARTITION BY device_id ORDER BY ts, seq)
)
WHERE gap_s <= {gap} AND abs(k - prev_k) > {track_gap}
