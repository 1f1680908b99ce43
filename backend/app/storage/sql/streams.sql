-- Which telemetry rows come from the device's own pod.
--
-- A pod's counter advances by one per sample it sends, every {period} s while in use,
-- so k = seq * {period} - epoch(ts) is constant while it works and only falls while it
-- is off. Rows of one device linked in time (gaps <= {gap} s) are grouped into tracks
-- of nearby k; a second track that overlaps the main one in time is a second pod
-- reporting under the same device_id (a collision), and its rows are "intruders".
-- {telemetry}: the table, or a subquery of whole runs of samples (see stream_breaks.sql).
streams_raw AS (
    SELECT device_id, ts, seq, current_amp AS amp, gps_lat AS lat, gps_lon AS lon,
        battery_level AS batt, ble_id AS tag,
        CAST(seq AS DOUBLE) * {period} - epoch(ts) AS k,
        epoch(ts) - epoch(lag(ts) OVER (PARTITION BY device_id ORDER BY ts, seq)) AS gap_s
    FROM {telemetry}
    WHERE ts <= $as_of AND ts >= $read_start
), streams_segmented AS (
    SELECT *, sum(CASE WHEN gap_s IS NULL OR gap_s > {gap} THEN 1 ELSE 0 END) OVER (
            PARTITION BY device_id ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) AS segment
    FROM streams_raw
), streams_ordered AS (
    SELECT *, lag(k) OVER (PARTITION BY device_id, segment ORDER BY k, ts) AS prev_k
    FROM streams_segmented
), streams_tracked AS (
    SELECT *, sum(CASE WHEN k - prev_k > {track_gap} THEN 1 ELSE 0 END) OVER (
            PARTITION BY device_id, segment ORDER BY k, ts ROWS UNBOUNDED PRECEDING) AS track
    FROM streams_ordered
), streams_tracks AS (
    SELECT device_id, segment, track, count(*) AS n, min(ts) AS t0, max(ts) AS t1,
        row_number() OVER (PARTITION BY device_id, segment ORDER BY count(*) DESC, min(ts))
            AS rank
    FROM streams_tracked GROUP BY device_id, segment, track
), streams_roles AS (
    SELECT t.device_id, t.segment, t.track,
        t.rank > 1 AND t.n >= 2 AND t.t0 < m.t1 AND m.t0 < t.t1 AS intruder
    FROM streams_tracks t
    JOIN streams_tracks m ON m.device_id = t.device_id AND m.segment = t.segment AND m.rank = 1
), streams AS (
    SELECT s.* EXCLUDE (prev_k, gap_s), r.intruder
    FROM streams_tracked s JOIN streams_roles r USING (device_id, segment, track)
)
