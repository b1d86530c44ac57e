-- W3: start a timer (POST BENCH_PATHS' first path with BENCH_BODY), then stop it
-- (PATCH <stop prefix>/<id>/stop, BENCH_STOP_PREFIX, default /api/timesheets). Requests
-- alternate; each thread works as its own user, so timers of different users never collide.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local headers, counter, running_id = nil, 0, nil
local stop_prefix = os.getenv("BENCH_STOP_PREFIX") or "/api/timesheets"

function setup(thread)
  common.setup(thread)
end

function init(args)
  headers = common.init_thread(thread_number)
end

function request()
  counter = counter + 1
  if running_id then
    local path = stop_prefix .. "/" .. running_id .. "/stop"
    running_id = nil
    return wrk.format("PATCH", path, headers, nil)
  end
  return wrk.format("POST", common.paths[1], headers, common.fill(common.body, thread_number, counter))
end

function response(status, response_headers, body)
  if status == 200 and body then
    local id = string.match(body, "\"id\"%s*:%s*(%d+)")
    if id and string.find(body, "\"end\"%s*:%s*null") then
      running_id = id
    end
  end
end

function done(summary, latency, requests)
  common.done(summary, latency, requests)
end
