-- Episodes where a second pod reported under a device's id: when, how many rows, and
-- the evidence (each pod's counter, position and battery level).
episodes AS (
    SELECT device_id, segment, track, intruder, count(*) AS rows, min(ts) AS start_ts,
        max(ts) AS end_ts, min(seq) AS seq_from, max(seq) AS seq_to,
        median(lat) AS lat, median(lon) AS lon, median(batt) AS battery
    FROM streams
    WHERE (device_id, segment) IN (SELECT device_id, segment FROM streams WHERE intruder)
    GROUP BY ALL
)
SELECT i.device_id, i.start_ts, i.end_ts, i.rows AS intruder_rows,
    i.seq_from AS intruder_seq_from, i.seq_to AS intruder_seq_to,
    m.seq_from AS own_seq_from, m.seq_to AS own_seq_to,
    i.battery AS intruder_battery, m.battery AS own_battery,
    {mpd} * sqrt((i.lat - m.lat) ^ 2 + ((i.lon - m.lon) * cos(radians(m.lat))) ^ 2)
        AS distance_m
FROM episodes i
JOIN episodes m ON m.device_id = i.device_id AND m.segment = i.segment AND NOT m.intruder
WHERE i.intruder AND i.end_ts >= $since
QUALIFY row_number() OVER (PARTITION BY i.device_id, i.segment, i.track ORDER BY m.rows DESC) = 1
ORDER BY i.device_id, i.start_ts
