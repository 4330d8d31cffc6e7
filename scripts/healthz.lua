-- wrk script: GET /healthz, the service's cheapest answer: the reference for the replays' p99.
wrk.path = "/healthz"

dofile("scripts/result.lua")
