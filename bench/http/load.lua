-- wrk script for bench/http/run. Modes (the arguments after `--`):
--   get PATH                  GET PATH on every request
--   heartbeat N               POST /api/agents/bench-NNN/heartbeat over agents 1..N
--   transition IDS THREADS    toggle the tasks listed in file IDS between assigned and inbox
--   create OUT TOTAL THREADS BODY
--                             POST /api/tasks with BODY until TOTAL tasks were created across
--                             THREADS threads; their ids go to OUT.<thread>
-- Every mode counts the answers that are not 2xx; `done` prints them as "non2xx N", which the
-- run script checks. wrk's own count lumps 3xx in with success, so it is not enough.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local mode
-- Globals, so that `done` can read them through thread:get.
bad = 0
lost = 0
local make
local on_reply = function(status, headers, body) end

local json_headers = { ["Content-Type"] = "application/json" }

local function with_id(id)
  return { ["Content-Type"] = "application/json", ["X-Request-Id"] = id }
end

function init(args)
  mode = args[1]
  if mode == "get" then
    local req = wrk.format("GET", args[2])
    make = function() return req end

  elseif mode == "heartbeat" then
    local n = tonumber(args[2])
    local reqs = {}
    for i = 1, n do
      reqs[i] = wrk.format("POST", string.format("/api/agents/bench-%03d/heartbeat", i),
                           json_headers, '{"status":"idle"}')
    end
    -- Threads start at different agents so they do not beat the same agent in lockstep.
    local next_agent = (tid * math.floor(n / 2)) % n
    make = function()
      next_agent = next_agent % n + 1
      return reqs[next_agent]
    end

  elseif mode == "transition" then
    -- A task is either in flight on exactly one connection or waiting in `free` with its status
    -- known from its last answer, so no two requests ever touch the same task at once and every
    -- move is legal. wrk does not tell which connection a request goes out on, so the task is
    -- named in X-Request-Id, which the server echoes, and the answer puts it back.
    local nthreads = tonumber(args[3])
    local ids = {}
    local n = 0
    for line in io.lines(args[2]) do
      if n % nthreads == tid then table.insert(ids, line) end
      n = n + 1
    end
    local to_inbox = '{"toStatus":"inbox","reason":"bench"}'
    local to_assigned = '{"toStatus":"assigned","assigneeIds":["bench-001"],"reason":"bench"}'
    local assigned = {}
    local free = {}
    for i = 1, #ids do
      assigned[i] = true
      free[i] = i
    end
    make = function()
      local slot = table.remove(free)
      if slot == nil then
        -- Only when answers went missing (errors, timeouts): the pool is sized for every
        -- connection to have several tasks.
        lost = lost + 1
        return wrk.format("GET", "/health")
      end
      return wrk.format("POST", "/api/tasks/" .. ids[slot] .. "/transition",
                        with_id("s" .. slot), assigned[slot] and to_inbox or to_assigned)
    end
    on_reply = function(status, headers, body)
      local slot = tonumber(string.match(headers["X-Request-Id"] or "", "^s(%d+)$") or "")
      if slot == nil then return end
      if status >= 200 and status < 300 then
        assigned[slot] = not assigned[slot]
        table.insert(free, slot)
      end
      -- A refused or failed move leaves the task's status unknown: it is not used again.
    end

  elseif mode == "create" then
    local out = assert(io.open(args[2] .. "." .. tid, "a"))
    local total, nthreads = tonumber(args[3]), tonumber(args[4])
    local quota = math.floor(total / nthreads) + ((tid < total % nthreads) and 1 or 0)
    local req = wrk.format("POST", "/api/tasks", json_headers, args[5])
    local filler = wrk.format("GET", "/health", { ["X-Request-Id"] = "filler" })
    local sent, created = 0, 0
    if quota == 0 then wrk.thread:stop() end
    make = function()
      if sent < quota then
        sent = sent + 1
        return req
      end
      -- The quota is out but answers are still coming; a cheap request keeps the connection
      -- busy without creating more tasks than asked for.
      return filler
    end
    on_reply = function(status, headers, body)
      if status == 201 then
        local id = string.match(body, '^{"task":{"id":"([^"]+)"')
        if id then out:write(id, "\n") end
        created = created + 1
        if created >= quota then
          out:flush()
          wrk.thread:stop()
        end
      end
    end

  else
    error("unknown mode " .. tostring(mode))
  end
end

-- wrk calls request() once on the first thread before the run to check what it returns, and
-- never sends that request: it must not use up a task or a quota.
local checked = false

function request()
  if tid == 0 and not checked then
    checked = true
    return wrk.format("GET", "/health")
  end
  return make()
end

function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
  on_reply(status, headers, body)
end

function done(summary, latency, requests)
  local total_bad, total_lost = 0, 0
  for _, t in ipairs(threads) do
    total_bad = total_bad + t:get("bad")
    total_lost = total_lost + t:get("lost")
  end
  io.write(string.format("non2xx %d\n", total_bad))
  io.write(string.format("starved %d\n", total_lost))
end
