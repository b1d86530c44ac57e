-- Shared by every workload script. The harness passes everything through the environment:
--   BENCH_METHOD   GET, POST, PUT or PATCH (default GET)
--   BENCH_PATHS    one or more request paths separated by newlines; requests cycle through them
--   BENCH_AUTHS    one or more header sets separated by newlines, each "Name: value|Name: value";
--                  wrk thread n uses set n (so with one connection per thread, each connection
--                  acts as its own user)
--   BENCH_BODY     request body; "{uid}" becomes a value unique to the request, "{now}" the
--                  current Unix time and "{earlier}" the Unix time 90 minutes ago
-- At the end one line "BENCH_JSON {...}" carries the figures the harness reads.

local common = {}

local function split(text, separator)
  local parts = {}
  if text == nil or text == "" then
    return parts
  end
  for part in string.gmatch(text, "([^" .. separator .. "]+)") do
    table.insert(parts, part)
  end
  return parts
end

common.split = split
common.method = os.getenv("BENCH_METHOD") or "GET"
common.paths = split(os.getenv("BENCH_PATHS") or "/", "\n")
common.auths = split(os.getenv("BENCH_AUTHS") or "", "\n")
common.body = os.getenv("BENCH_BODY")

local next_thread = 0

-- Called once per wrk thread in the main state: hands out a thread number.
function common.setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
end

-- Called in each thread: the thread's headers (its user), JSON bodies.
function common.init_thread(number)
  local headers = {}
  if #common.auths > 0 then
    local chosen = common.auths[(number % #common.auths) + 1]
    for _, pair in ipairs(split(chosen, "|")) do
      local name, value = string.match(pair, "^%s*([^:]+):%s*(.-)%s*$")
      if name then
        headers[name] = value
      end
    end
  end
  if common.body then
    headers["Content-Type"] = headers["Content-Type"] or "application/json"
  end
  return headers
end

function common.fill(template, number, counter)
  if template == nil then
    return nil
  end
  local uid = string.format("t%d-%d-%d", number, counter, math.random(1, 1000000000))
  local filled = string.gsub(template, "{uid}", uid)
  filled = string.gsub(filled, "{now}", tostring(os.time()))
  filled = string.gsub(filled, "{earlier}", tostring(os.time() - 5400))
  return filled
end

function common.done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"p50_us\":%d,\"p90_us\":%d," ..
    "\"p99_us\":%d,\"max_us\":%d,\"mean_us\":%.1f,\"errors\":{\"connect\":%d,\"read\":%d," ..
    "\"write\":%d,\"status\":%d,\"timeout\":%d}}\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end

return common
