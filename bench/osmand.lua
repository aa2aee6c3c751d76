-- bench/osmand.lua: wrk request generator for the OsmAnd ingest benchmark
-- (bench/ingest.sh). Each request is one position report of a registered
-- device, cycling through the devices (each wrk thread starts at its own
-- offset), in one of three forms:
--   get   GET /?id=ID&lat=..&lon=..&timestamp=..&accuracy=..&speed=..&bearing=..&altitude=..&batt=..
--         (OsmAnd, Traccar Client before 9: speed in knots)
--   form  POST / with the same fields form-encoded in the body
--   json  POST / with the JSON body of Traccar Client 9 (speed in m/s, battery 0..1)
-- Positions: each device stays near its own spot (a few metres of jitter),
-- which the devices file gives; the timestamp is the current second.
--   wrk ... -s bench/osmand.lua http://127.0.0.1:PORT -- DEVICES_FILE [get|form|json]
-- DEVICES_FILE: one device a line, "IDENTIFIER LAT LON".
local devices = {}
local mode = "get"
local next_device = 1
local counter = 0

-- setup() runs in wrk's main state and numbers the threads (the global
-- thread_no of each thread's own state).
local threads_made = 0
function setup(thread)
  thread:set("thread_no", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  local path = args[1]
  mode = args[2] or "get"
  if not path then error("usage: -- DEVICES_FILE [get|form|json]") end
  if mode ~= "get" and mode ~= "form" and mode ~= "json" then error("mode is get, form or json") end
  for line in io.lines(path) do
    local id, lat, lon = line:match("^(%S+)%s+(%S+)%s+(%S+)")
    if id then devices[#devices + 1] = {id = id, lat = tonumber(lat), lon = tonumber(lon)} end
  end
  if #devices == 0 then error("no devices in " .. path) end
  -- spread the threads over the device list, and give each its own random sequence
  local n = tonumber(thread_no) or 0
  next_device = (n * 97) % #devices + 1
  math.randomseed(os.time() + n * 7919)
  if mode == "form" then wrk.headers["Content-Type"] = "application/x-www-form-urlencoded" end
  if mode == "json" then wrk.headers["Content-Type"] = "application/json" end
end

-- The next device and a plausible reading for it.
local function reading()
  local d = devices[next_device]
  next_device = next_device % #devices + 1
  counter = counter + 1
  return d, {
    lat = d.lat + (math.random() - 0.5) * 0.0002,
    lon = d.lon + (math.random() - 0.5) * 0.0002,
    ts = os.time(),
    accuracy = math.random(3, 40),
    knots = math.random() * 2,
    bearing = math.random(0, 359),
    altitude = 400 + math.random(0, 80),
    batt = math.random(15, 100),
  }
end

local function fields(d, r)
  return string.format("id=%s&lat=%.6f&lon=%.6f&timestamp=%d&accuracy=%d&speed=%.2f&bearing=%d&altitude=%d&batt=%d",
    d.id, r.lat, r.lon, r.ts, r.accuracy, r.knots, r.bearing, r.altitude, r.batt)
end

local function json_body(d, r)
  return string.format(
    '{"location":{"event":"motionchange","is_moving":false,"uuid":"bench-%d","timestamp":"%s",' ..
    '"odometer":0,"coords":{"latitude":%.6f,"longitude":%.6f,"accuracy":%d,"speed":%.2f,' ..
    '"speed_accuracy":-1,"heading":%d,"heading_accuracy":-1,"altitude":%d,"altitude_accuracy":3,' ..
    '"ellipsoidal_altitude":%d},"activity":{"type":"still","confidence":100},' ..
    '"battery":{"is_charging":false,"level":%.2f},"extras":{}},"device_id":"%s"}',
    counter, os.date("!%Y-%m-%dT%H:%M:%S.000Z", r.ts), r.lat, r.lon, r.accuracy, r.knots * 0.514444,
    r.bearing, r.altitude, r.altitude, r.batt / 100, d.id)
end

function request()
  local d, r = reading()
  if mode == "get" then return wrk.format("GET", "/?" .. fields(d, r)) end
  if mode == "form" then return wrk.format("POST", "/", nil, fields(d, r)) end
  return wrk.format("POST", "/", nil, json_body(d, r))
end
