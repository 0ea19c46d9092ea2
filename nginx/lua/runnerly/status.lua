-- The status server's /readyz: can the gateway serve traffic? Each service behind it answers
-- its own /healthz, asked through the same upstream groups that traffic uses (so a name
-- resolves as it does for traffic, and several servers count as up when one answers), all
-- at once in light threads, each within the probe location's timeouts; and the limits and
-- the WAF's rules are loaded.
--
--   location = /readyz {
--       content_by_lua_block { require("runnerly.status").readyz({"web", "dataservice"}) }
--   }
--   location ~ "^/_gateway/probe/(?<gw_probe>web|dataservice)$" {
--       internal; proxy_pass http://$gw_probe/healthz;   -- and short timeouts
--   }
--
-- The answer has the shape of the Python services' (runnerly_common.health), 200 or 503:
--   {"status": "ready"|"unavailable", "service": "gateway",
--    "checks": {"web": {"ok": true, "ms": 1.2}, "dataservice": {"ok": false, "ms": 1000.4,
--               "error": "no answer within the probe's timeout"}, "limits": {...}, ...}}

local cjson = require "cjson.safe"
local gateway = require "runnerly.gateway"
local upstream_groups = require "runnerly.upstreams"

local ngx = ngx
local ngx_now = ngx.now
local ngx_update_time = ngx.update_time
local capture = ngx.location.capture
local spawn = ngx.thread.spawn
local wait = ngx.thread.wait
local math_floor = math.floor
local ipairs = ipairs
local pairs = pairs
local tostring = tostring

local _M = { _VERSION = "0.1.0" }

_M.PROBE_PREFIX = "/_gateway/probe/"

-- What a probe's status says about the service (nginx answers 502/504 when it cannot).
local PROBE_ERRORS = {
    [502] = "cannot connect (refused, reset or closed)",
    [504] = "no answer within the probe's timeout",
}


local function clock()
    ngx_update_time()  -- the cached clock stands still while a handler runs
    return ngx_now()
end


local function milliseconds(since)
    return math_floor((clock() - since) * 10000 + 0.5) / 10
end


local function probe(name)
    local started = clock()
    local resolved, reason = upstream_groups.refresh(name)
    if not resolved then
        return { ok = false, ms = milliseconds(started), error = reason }
    end
    local res = capture(_M.PROBE_PREFIX .. name)
    local result = { ok = res.status == 200, ms = milliseconds(started) }
    if not result.ok then
        result.error = PROBE_ERRORS[res.status] or ("/healthz answered " .. res.status)
    end
    return result
end


function _M.readyz(upstreams)
    local threads = {}
    for i, name in ipairs(upstreams) do
        threads[i] = spawn(probe, name)
    end

    local checks, ready = {}, true
    for name, loaded in pairs(gateway.config_checks()) do
        checks[name] = { ok = loaded, ms = 0 }
        if not loaded then
            checks[name].error = "not loaded"
            ready = false
        end
    end
    for i, name in ipairs(upstreams) do
        local ok, result = wait(threads[i])
        if not ok then
            result = { ok = false, ms = 0, error = "probe failed: " .. tostring(result) }
        end
        checks[name] = result
        ready = ready and result.ok
    end

    ngx.status = ready and 200 or 503
    ngx.header["Content-Type"] = "application/json"
    ngx.header["Cache-Control"] = "no-store"
    ngx.print(cjson.encode({
        status = ready and "ready" or "unavailable",
        service = "gateway",
        checks = checks,
    }))
end


return _M
