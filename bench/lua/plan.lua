-- Replay a request plan with wrk: one request per line of the tab-separated file named by BENCH_PLAN
-- (group, method, path, cookie, CSRF token, body, first sequence number). Each wrk thread takes the
-- groups with group % BENCH_THREADS == its number, so a group (one student's attempt) is only ever
-- sent by one thread, whose Lua state numbers its saves in order. "@SEQ@" in a body becomes the
-- group's next sequence number. Responses whose status is not BENCH_EXPECT are counted as errors, but
-- for a save refused as stale (409), counted apart: see response().
-- done() prints one line, "BENCH_JSON {...}", with the counts and latency percentiles in microseconds.

local plan_path = os.getenv("BENCH_PLAN")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
local agent = "studyapp-bench"
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local lines = {}
local seqs = {}
local i = 0
bad = 0
stale = 0
codes = {}  -- unexpected status -> count

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(fields, field) end
  return fields
end

local function load(all)
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  for line in io.lines(plan_path) do
    local f = split(line)
    local group = tonumber(f[1])
    if all or group % n == tid then
      local headers = { ["User-Agent"] = agent }
      if f[4] ~= "" then headers["Cookie"] = f[4] end
      if f[5] ~= "" then headers["X-CSRFToken"] = f[5] end
      local r = { group = group, method = f[2], path = f[3], headers = headers, body = f[6] }
      if f[2] == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Accept"] = "application/json"
      else
        headers["Accept"] = "text/html"
      end
      if f[7] ~= "" then
        seqs[group] = tonumber(f[7])
        r.numbered = true
      else
        r.ready = wrk.format(r.method, r.path, headers, r.body ~= "" and r.body or nil)
      end
      table.insert(lines, r)
    end
  end
end

function init(args)
  load(false)
  if #lines == 0 then load(true) end  -- fewer groups than threads: share them (never for numbered saves)
end

function request()
  i = i % #lines + 1
  local r = lines[i]
  if r.ready then return r.ready end
  seqs[r.group] = seqs[r.group] + 1
  local body = r.body:gsub("@SEQ@", tostring(seqs[r.group]))
  return wrk.format(r.method, r.path, r.headers, body)
end

function response(status, headers, body)
  if status == 409 and body and body:find("A newer answer", 1, true) then
    -- Two saves of one answer were in flight and the newer one landed first: the app refused the
    -- older one, as it must. Counted apart from errors (a browser sends one save per answer at a time).
    stale = stale + 1
  elseif status ~= expect then
    bad = bad + 1
    codes[status] = (codes[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local wrong = 0
  local superseded = 0
  local counted = {}
  for _, thread in ipairs(threads) do
    wrong = wrong + (thread:get("bad") or 0)
    superseded = superseded + (thread:get("stale") or 0)
    for status, count in pairs(thread:get("codes") or {}) do counted[status] = (counted[status] or 0) + count end
  end
  local statuses = {}
  for status, count in pairs(counted) do table.insert(statuses, string.format('"%d": %d', status, count)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "unexpected": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d, "stale": %d, "unexpected_statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, wrong,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
    superseded, table.concat(statuses, ", ")))
end
