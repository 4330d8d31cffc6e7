-- wrk script: the same POST repeated (idempotent replay). Env: BODY, API_KEY, PATH_ (default /v1/passes).
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.path = os.getenv("PATH_") or "/v1/passes"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("API_KEY")

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors_status=%d errors_other=%d p50_us=%d p95_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
