-- wrk script: the same POST repeated (idempotent replay). Env: BODY, API_KEY, PATH_ (default /v1/passes).
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.path = os.getenv("PATH_") or "/v1/passes"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("API_KEY")

dofile("scripts/result.lua")
