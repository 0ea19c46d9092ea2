-- The gateway's Prometheus metrics, counted in the public server's log phase into a
-- lua_shared_dict that every nginx worker adds to; runnerly.metrics.exposition writes them
-- out for the status server's /metrics.
--
--   lua_shared_dict gateway_metrics 4m;
--   log_by_lua_block { require("runnerly.metrics").record(ngx.ctx) }   -- gateway.log() does
--
-- The dict's keys (families.lua names the families and the buckets):
--   a counter               <name>{<labels>}, e.g. <name>{route="api",status="200"}
--   a histogram's bucket i  <name>{<labels>} <i>: the observations in that bucket only (not
--                           cumulative); i = #BUCKETS + 1 holds those above the last bound
--   a histogram's sum       <name>{<labels>} sum

local families = require "runnerly.metrics.families"

local ngx = ngx
local ngx_var = ngx.var
local ngx_log = ngx.log
local ngx_WARN = ngx.WARN
local re_find = ngx.re.find
local re_gsub = ngx.re.gsub
local tonumber = tonumber
local tostring = tostring
local string_format = string.format

local _M = { _VERSION = "0.1.0" }

local DICT_NAME = families.DICT
local BUCKETS = families.BUCKETS
local OVERFLOW = #BUCKETS + 1
local REQUESTS = families.REQUESTS
local REQUEST_DURATION = families.REQUEST_DURATION
local UPSTREAM_DURATION = families.UPSTREAM_DURATION
local REJECTIONS = families.REJECTIONS

local dict = ngx.shared[DICT_NAME]
local warned = false  -- per worker: one warning, not one per request


-- A label value as the metric's key holds it: route classes come from our own config, but a
-- byte outside this set would break the exposition (and the key's " " separator).
local function label(value)
    if value == nil or value == "" then
        return "none"
    end
    value = tostring(value)
    if re_find(value, "[^A-Za-z0-9_.:-]", "jo") then
        value = re_gsub(value, "[^A-Za-z0-9_.:-]", "_", "jo")
    end
    return value
end


-- Add to a key, creating it when missing. Not incr(key, value, init): when the dict is full,
-- init evicts the least recently used keys, which would silently take counts away from
-- other series (and make a histogram's buckets disagree). safe_add never evicts; a full
-- dict drops the new series and says so once.
local function add(key, value)
    local total, err = dict:incr(key, value)
    if total then
        return
    end
    if err == "not found" then
        local ok
        ok, err = dict:safe_add(key, value)
        if ok then
            return
        end
        if err == "exists" then  -- another worker created it in between
            total, err = dict:incr(key, value)
            if total then
                return
            end
        end
    end
    if not warned then
        warned = true
        ngx_log(ngx_WARN, "metrics: cannot record ", key, ": ", err, err == "no memory"
            and " (lua_shared_dict " .. DICT_NAME .. " is full: new series are dropped; "
                .. "raise GATEWAY_METRICS_DICT)" or "")
    end
end


local function bucket_of(seconds)
    for i = 1, #BUCKETS do
        if seconds <= BUCKETS[i] then
            return i
        end
    end
    return OVERFLOW
end


-- $upstream_response_time: "0.004"; "0.001, 0.004" (next upstream); "0.002 : 0.003"
-- (an internal redirect to another group); "-" when nothing answered. Every attempt counts.
local function upstream_seconds(value)
    if not value or value == "" then
        return nil
    end
    local seconds = tonumber(value)
    if seconds then
        return seconds
    end
    local total, found = 0, false
    for part in value:gmatch("[%d.]+") do
        total = total + (tonumber(part) or 0)
        found = true
    end
    return found and total or nil
end


-- A status as $status writes it: three digits.
local function status_text(status)
    return string_format("%03d", status)
end


-- Why the gateway refused a request itself, from the decisions the access log records; nil
-- for an answer the service behind it gave.
local function rejection(ctx, status, upstream_addr)
    local limit = ctx.ratelimit
    if limit and limit.decision == "reject" then
        return limit.limit == "concurrency" and "concurrency" or "ratelimit"
    end
    local waf = ctx.waf
    if waf and waf.action == "block" then
        return families.WAF_REASONS[waf.reason or "signature"] or "waf"
    end
    if not upstream_addr then
        return families.NGINX_REFUSALS[status_text(status)]
    end
    return nil
end


-- The keys a route class's requests add to, built once per worker: per request they were
-- built by concatenation and each label checked with a regex (decision 73).
-- route -> { [status] = requests key, duration = {bucket keys..., sum = key},
-- upstream = {...} }
local keys_by_route = {}

local function histogram_keys(name, route_label)
    local series = name .. "{" .. route_label .. "}"
    local keys = { sum = series .. " sum" }
    for i = 1, OVERFLOW do
        keys[i] = series .. " " .. i
    end
    return keys
end

local function route_keys(route)
    local keys = keys_by_route[route]
    if not keys then
        local route_label = 'route="' .. label(route) .. '"'
        keys = {
            label = label(route),
            duration = histogram_keys(REQUEST_DURATION, route_label),
            upstream = histogram_keys(UPSTREAM_DURATION, route_label),
        }
        keys_by_route[route] = keys
    end
    return keys
end

local function observe(keys, seconds)
    add(keys[bucket_of(seconds)], 1)
    add(keys.sum, seconds)
end


-- The log phase of the public server: one request answered. The variables come from
-- gateway.log(), which the access log shares (status: ngx.status, a number); without
-- them they are read here.
function _M.record(ctx, route, status, request_time, upstream_addr, upstream_time)
    if not dict then
        return
    end
    if status == nil then
        route = ngx_var.gw_route
        status = tonumber(ngx_var.status) or 0
        request_time = ngx_var.request_time
        upstream_addr = ngx_var.upstream_addr
        upstream_time = ngx_var.upstream_response_time
    end
    local keys = route_keys(route or "")
    local requests = keys[status]
    if not requests then
        requests = REQUESTS .. '{route="' .. keys.label .. '",status="'
            .. label(status_text(status)) .. '"}'
        keys[status] = requests
    end
    add(requests, 1)
    local seconds = tonumber(request_time)
    if seconds then
        observe(keys.duration, seconds)
    end
    seconds = upstream_seconds(upstream_time)
    if seconds then
        observe(keys.upstream, seconds)
    end
    local reason = rejection(ctx, status, upstream_addr)
    if reason then
        add(REJECTIONS .. '{reason="' .. reason .. '"}', 1)
    end
end


return _M
