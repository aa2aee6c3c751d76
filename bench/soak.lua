-- bench/soak.lua: wrk request generator for the soak run (bench/soak).
-- A steady mix of authenticated reads and one durable write, picked at random
-- per request (weights in percent):
--   70  GET   /api/v1/households?per_page=20
--   15  GET   /api/v1/map/households?bbox=BBOX
--   10  GET   /api/v1/users?per_page=20
--    5  PATCH /api/v1/users/{id}   new display_name (UPDATE + audit record, durable commit)
-- Each connection waits DELAY_MS before sending its next request (wrk's delay()
-- hook), which keeps the load moderate: Debian's wrk has no constant-rate mode.
--   wrk ... -s bench/soak.lua http://127.0.0.1:PORT -- TOKEN FIRST_ID LAST_ID BBOX [DELAY_MS]
local token, lo, hi, bbox, pause
local tag, JSON
local seq = 0
local threads = {}
-- per-thread counters, read back in done() with thread:get
n_households, n_map, n_users, n_write, n_bad = 0, 0, 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  token, lo, hi, bbox = args[1], tonumber(args[2]), tonumber(args[3]), args[4]
  pause = tonumber(args[5] or "0") or 0
  if not (token and lo and hi and bbox) then error("usage: -- TOKEN FIRST_ID LAST_ID BBOX [DELAY_MS]") end
  tag = tostring({}):match("0x(%x+)") or tostring(math.random(1e9))
  math.randomseed(tonumber(tag:sub(-7), 16) or os.time())
  wrk.headers["Authorization"] = "Bearer " .. token
  -- wrk.format uses the headers it is given instead of wrk.headers, not on top of them
  JSON = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function delay()
  return pause
end

function request()
  local r = math.random(100)
  if r <= 70 then
    n_households = n_households + 1
    return wrk.format("GET", "/api/v1/households?per_page=20")
  elseif r <= 85 then
    n_map = n_map + 1
    return wrk.format("GET", "/api/v1/map/households?bbox=" .. bbox)
  elseif r <= 95 then
    n_users = n_users + 1
    return wrk.format("GET", "/api/v1/users?per_page=20")
  else
    n_write = n_write + 1
    seq = seq + 1
    local body = string.format('{"display_name":"耐久%s-%d"}', tag:sub(-4), seq)
    return wrk.format("PATCH", "/api/v1/users/" .. math.random(lo, hi), JSON, body)
  end
end

function response(status, headers, body)
  if status < 200 or status > 299 then n_bad = n_bad + 1 end
end

function done(summary, latency, requests)
  local t = { households = 0, map = 0, users = 0, write = 0, bad = 0 }
  for _, th in ipairs(threads) do
    t.households = t.households + (th:get("n_households") or 0)
    t.map = t.map + (th:get("n_map") or 0)
    t.users = t.users + (th:get("n_users") or 0)
    t.write = t.write + (th:get("n_write") or 0)
    t.bad = t.bad + (th:get("n_bad") or 0)
  end
  io.write(string.format("SOAK-MIX households=%d map=%d users=%d write=%d non2xx=%d\n",
    t.households, t.map, t.users, t.write, t.bad))
end
