-- wrk script for scripts/bench-daemon.sh: every request is
--   POST /v1/events/form_submitted   (Content-Type: application/json)
-- with the card flow's trigger body, so every 202 is one new envelope,
-- committed (fsync) before it was answered. The path comes from the URL wrk
-- is given (http://HOST:PORT/v1/events/form_submitted).
--
-- done() prints one machine-readable line that the script parses:
--   RESULT requests=… duration_us=… non2xx=… connect=… read=… write=… timeout=…
--          p50_us=… p90_us=… p99_us=… p999_us=… max_us=… mean_us=…
-- (wrk counts non-2xx/3xx answers in errors.status; the daemon answers
-- nothing in 3xx, so requests - non2xx is the number of 2xx answers.)
wrk.method = "POST"
wrk.body = '{"signers":{"client":"c@x.com","manager":"m@x.com"}}'
wrk.headers["Content-Type"] = "application/json"
-- The API key scripts/bench-daemon.sh exports (the daemon's first admin key).
local key = os.getenv("SIGNFLOW_API_KEY")
if key and key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.0f\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
