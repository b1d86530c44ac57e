-- One request per call, cycling through BENCH_PATHS with BENCH_METHOD and BENCH_BODY
-- (reads: lists, reports, exports, tag search, ping; writes: creating a finished entry).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local headers, counter = nil, 0

function setup(thread)
  common.setup(thread)
end

function init(args)
  headers = common.init_thread(thread_number)
end

function request()
  counter = counter + 1
  local path = common.paths[((counter - 1) % #common.paths) + 1]
  return wrk.format(common.method, path, headers, common.fill(common.body, thread_number, counter))
end

function done(summary, latency, requests)
  common.done(summary, latency, requests)
end
