-- wrk script: POST /v1/passes with a unique serial number per request.
-- Env: TEMPLATE_ID, PARAMS_JSON (the params object), API_KEY, RUN_ID.
local template_id = os.getenv("TEMPLATE_ID")
local params = os.getenv("PARAMS_JSON")
local key = os.getenv("API_KEY")
local run = os.getenv("RUN_ID") or "r"
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  counter = 0
end

function request()
  counter = counter + 1
  local serial = string.format("%s%d-%d", run, tid or 0, counter)
  local body = string.format(
    '{"template_id":"%s","serial_number":"%s","params":%s,"recipient":{"partner_id":"2088102122069225","out_trade_no":"o-%s"}}',
    template_id, serial, params, serial)
  return wrk.format("POST", "/v1/passes", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
  }, body)
end

dofile("scripts/result.lua")
