"""The same matching job as `compound-atlas match`, written as a DuckDB range join.

IPv4 only (DuckDB's inet extension would have to be downloaded), so it is a baseline
for speed, not a second implementation: it prints the headline figures for IPv4 events.
Usage: python3 scripts/duckdb_match.py REPORTS.csv LOCATIONS.csv
"""
import sys
import time

import duckdb

reports, locations = sys.argv[1], sys.argv[2]
started = time.time()
con = duckdb.connect()
con.execute("SET threads TO 2")
con.execute("""
CREATE MACRO ip4(s) AS
  split_part(s, '.', 1)::BIGINT * 16777216 + split_part(s, '.', 2)::BIGINT * 65536
  + split_part(s, '.', 3)::BIGINT * 256 + split_part(s, '.', 4)::BIGINT
""")
con.execute(f"""
CREATE TABLE obs AS
SELECT location_id,
       (CASE WHEN ip LIKE '%/%' THEN ip4(split_part(ip, '/', 1))
            ELSE ip4(trim(split_part(ip, '-', 1))) END)::BIGINT AS lo,
       (CASE WHEN ip LIKE '%/%' THEN ip4(split_part(ip, '/', 1)) + (1::BIGINT << (32 - split_part(ip, '/', 2)::INT)) - 1
            ELSE ip4(trim(split_part(ip, '-', 2))) END)::BIGINT AS hi,
       CASE WHEN length(first_seen) = 10 THEN first_seen::DATE::TIMESTAMP ELSE first_seen::TIMESTAMP END AS first_seen,
       CASE WHEN length(last_seen) = 10 THEN last_seen::DATE::TIMESTAMP + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND
            ELSE last_seen::TIMESTAMP END AS last_seen,
       CASE WHEN ports = '' OR ports IS NULL THEN NULL ELSE split_part(ports, '-', 1)::INT END AS port_lo,
       CASE WHEN ports = '' OR ports IS NULL THEN NULL ELSE split_part(ports, '-', 2)::INT END AS port_hi
FROM read_csv('{locations}', all_varchar = true)
WHERE ip LIKE '%.%'
""")
con.execute(f"""
CREATE TABLE ev AS
SELECT report_id, ip4(ip)::BIGINT AS ip, TRY_CAST(port AS INT) AS port, event_time::TIMESTAMP AS t
FROM read_csv('{reports}', all_varchar = true, ignore_errors = true)
WHERE ip LIKE '%.%' AND TRY_CAST(event_time AS TIMESTAMP) IS NOT NULL
      AND regexp_full_match(ip, '([1-9][0-9]{{0,2}}|0)(\\.([1-9][0-9]{{0,2}}|0)){{3}}')
""")
row = con.execute("""
WITH buckets AS (
  -- Each observation under every /16 it covers: an equi-join key for a hash join, since
  -- DuckDB's inequality join is slow on this shape.
  SELECT *, unnest(range(lo >> 16, (hi >> 16) + 1)) AS bucket FROM obs
), joined AS (
  SELECT e.report_id, e.port, e.t, o.location_id, o.first_seen, o.last_seen, o.port_lo, o.port_hi
  FROM ev e JOIN buckets o ON (e.ip >> 16) = o.bucket AND e.ip BETWEEN o.lo AND o.hi
), m AS (
  SELECT report_id, location_id,
         (first_seen IS NOT NULL OR last_seen IS NOT NULL)
         AND (first_seen IS NULL OR t >= first_seen)
         AND (last_seen IS NULL OR t <= last_seen) AS ip_time
  FROM joined
  WHERE port_lo IS NULL OR port IS NULL OR port BETWEEN port_lo AND port_hi
)
SELECT count(DISTINCT report_id) FILTER (WHERE ip_time),
       count(DISTINCT report_id),
       count(DISTINCT location_id) FILTER (WHERE ip_time)
FROM m
""").fetchone()
print(f"duckdb: ipv4 reports_ip_time={row[0]} reports_any={row[1]} locations_ip_time={row[2]} "
      f"seconds={time.time() - started:.2f}")
