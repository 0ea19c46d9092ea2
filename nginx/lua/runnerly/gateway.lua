-- The gateway's entry points, one per nginx phase, in the order of DESIGN.md:
-- request id -> WAF -> rate limit (access), request id header (header filter), concurrency
-- slot, JSON access log and metrics (log). init() runs once in nginx's master process.
--
-- Synopsis (nginx.conf), in the http block:
--   init_by_lua_block { require("runnerly.gateway").init("/path/gateway.json") }
-- in the public server (not the status server: its probes and scrapes are not traffic):
--   header_filter_by_lua_block { require("runnerly.gateway").header_filter() }
--   log_by_lua_block { require("runnerly.gateway").log() }
-- and in each proxied location, after `set $gw_route <class>;` (and `set $gw_bearer off;`
-- where the service behind never takes a bearer token):
--   access_by_lua_block { require("runnerly.gateway").access() }

local cjson = require "cjson.safe"
local accesslog = require "runnerly.accesslog"
local context = require "runnerly.context"
local errors = require "runnerly.errors"
local metrics = require "runnerly.metrics"
local policy = require "runnerly.ratelimit.policy"
local requestid = require "runnerly.requestid"
local upstreams = require "runnerly.upstreams"

local ngx = ngx
local ngx_var = ngx.var
local error = error
local io_open = io.open
local tostring = tostring
local type = type

local _M = { _VERSION = "0.1.0" }

local waf  -- the WAF module, when enabled


local function read_json(path)
    local file, err = io_open(path, "rb")
    if not file then
        error("gateway config: " .. err)
    end
    local text = file:read("*a")
    file:close()
    local conf, decode_err = cjson.decode(text)
    if type(conf) ~= "table" then
        error("gateway config " .. path .. ": " .. tostring(decode_err or "not an object"))
    end
    return conf
end


function _M.init(path)
    local conf = read_json(path)
    policy.init(conf)
    upstreams.init(conf)
    if conf.waf then
        waf = require "runnerly.waf"
        local waf_config = conf.waf_config
        if waf_config == cjson.null then
            waf_config = nil
        end
        waf.init(waf_config)
    end
end


function _M.access()
    local ctx = context.keep()
    -- ngx.ctx.request_id: where the WAF (and any other Lua) reads the request's id.
    ctx.request_id = requestid.get()
    if ngx.req.http_version() == 0.9 then
        -- nginx takes HTTP/0.9 (a bare "GET /path"): no headers to inspect or pass on, and
        -- no client of ours speaks it. Its answer is a body alone, so that is what is JSON.
        return errors.send(400, "bad_request", "HTTP/0.9 is not supported: send HTTP/1.0 or later.")
    end
    local route = ngx_var.gw_route
    if waf then
        waf.access(route)  -- returns, or sends the 403 itself and ends the request
    end
    -- `set $gw_bearer off;`: this location's service never takes a bearer token.
    policy.access(route, ctx, ngx_var.gw_bearer ~= "off")
    -- Last: a request refused above never waits on DNS. Without names to resolve
    -- (addresses only, or no resolver), nothing to refresh: $gw_upstream is not read.
    if upstreams.dynamic() and not upstreams.refresh(ngx_var.gw_upstream) then
        return errors.send(502, "bad_gateway", "The service behind this address is not answering.")
    end
end


function _M.header_filter()
    -- The id the access phase decided, without reading $gw_request_id again; a request
    -- that never got there (or whose ngx.ctx an error_page replaced) decides it now.
    ngx.header["X-Request-ID"] = ngx.ctx.request_id or requestid.get()
end


function _M.log()
    local ctx = context.restore()
    policy.leave(ctx)
    -- Read once for both: each ngx.var read is a C call that hashes the name and copies
    -- the value (decision 73).
    local route = ngx_var.gw_route
    local request_time = ngx_var.request_time
    local upstream_addr = ngx_var.upstream_addr
    local upstream_time = ngx_var.upstream_response_time
    accesslog.log(ctx, waf ~= nil, route, request_time, upstream_addr, upstream_time)
    metrics.record(ctx, route, ngx.status, request_time, upstream_addr, upstream_time)
    context.release(ctx)
end


-- For /readyz: what init() loaded, name -> loaded (the WAF only when it is on).
function _M.config_checks()
    local checks = { limits = policy.loaded() }
    if waf then
        checks.waf = waf.config() ~= nil
    end
    return checks
end


return _M
