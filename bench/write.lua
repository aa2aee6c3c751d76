-- bench/write.lua: wrk request generator for the write benchmark.
-- Each request is PATCH /api/v1/users/{id} with a new display_name, for a
-- random generated user, authenticated with an API token (no CSRF needed).
-- Every acknowledged request is one durable transaction: the UPDATE plus its
-- hash-chained audit record, committed with synchronous=FULL (SQLite) or
-- synchronous_commit=on (PostgreSQL).
--   wrk ... -s bench/write.lua http://127.0.0.1:PORT -- TOKEN FIRST_ID LAST_ID
local token, lo, hi
local n = 0
local tag

function init(args)
  token, lo, hi = args[1], tonumber(args[2]), tonumber(args[3])
  if not (token and lo and hi) then error("usage: -- TOKEN FIRST_ID LAST_ID") end
  -- one seed per thread, so threads do not write the same sequence of rows
  tag = tostring({}):match("0x(%x+)") or tostring(math.random(1e9))
  math.randomseed(tonumber(tag:sub(-7), 16) or os.time())
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  n = n + 1
  local id = math.random(lo, hi)
  local body = string.format('{"display_name":"压测%s-%d"}', tag:sub(-4), n)
  return wrk.format("PATCH", "/api/v1/users/" .. id, nil, body)
end
