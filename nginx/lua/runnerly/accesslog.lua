-- One JSON object a line per request, written by nginx's access_log from the variable
-- $gw_log_line that log() fills in the log phase (log_format ... escape=none).
--
-- The path is logged without its query string (values there may be secrets or personal
-- data) and truncated; bytes outside ASCII are percent-encoded so every line is UTF-8.

local cjson = require "cjson.safe"
local requestid = require "runnerly.requestid"

local ngx = ngx
local ngx_var = ngx.var
local ngx_req = ngx.req
local ngx_now = ngx.now
local ngx_utctime = ngx.utctime
local re_find = ngx.re.find
local json_encode = cjson.encode
local json_null = cjson.null
local math_floor = math.floor
local string_format = string.format
local tonumber = tonumber

local _M = { _VERSION = "0.1.0" }

local MAX_PATH = 256
local MAX_AGENT = 200
local WAF_OFF = { action = "off" }


local function percent_encode_byte(c)
    return string_format("%%%02X", c:byte())
end


local function clean(text, limit)
    if not text then
        return json_null
    end
    if #text > limit then
        text = text:sub(1, limit) .. "..."
    end
    -- string.gsub stops LuaJIT's compiler: only called when there is a byte to encode.
    if not re_find(text, [=[[\x80-\xff]]=], "jo") then
        return text
    end
    return (text:gsub("[\128-\255]", percent_encode_byte))
end


-- The date and time to the second change once a second: built then, not per line.
local second_of_prefix, time_prefix = -1, ""

-- When the line is written, as ISO 8601 UTC with ms, from nginx's cached clock (no syscall).
local function iso_now()
    local now = ngx_now()
    local second = math_floor(now)
    if second ~= second_of_prefix then
        second_of_prefix = second
        time_prefix = (ngx_utctime():gsub(" ", "T", 1))
    end
    return time_prefix .. string_format(".%03dZ", math_floor((now - second) * 1000))
end


-- "0.004" -> 0.004; several upstreams tried ("0.001, 0.004") stay a string; "-" -> null.
local function seconds(value)
    if not value or value == "" or value == "-" then
        return json_null
    end
    return tonumber(value) or value
end


function _M.line(ctx, waf_enabled)
    local uri = ngx_var.request_uri or ""
    local query_at = uri:find("?", 1, true)
    local route = ngx_var.gw_route
    local request_time = tonumber(ngx_var.request_time)
    local entry = {
        -- The keys of every Runnerly log line (runnerly_common.logs), then the request's.
        time = iso_now(),
        level = "INFO",
        logger = "gateway.access",
        message = "request",
        service = "gateway",
        request_id = requestid.get(),
        -- nginx's error lines about this request name the same connection (their "*5"):
        -- runnerly-gateway run gives them this line's request_id.
        connection = tonumber(ngx_var.connection),
        method = ngx_req.get_method(),
        route = (route and route ~= "") and route or json_null,
        path = clean(query_at and uri:sub(1, query_at - 1) or uri, MAX_PATH),
        query = query_at ~= nil,
        status = ngx.status,
        client = ngx_var.remote_addr,
        upstream_addr = ngx_var.upstream_addr or json_null,
        upstream_status = tonumber(ngx_var.upstream_status) or json_null,
        upstream_time = seconds(ngx_var.upstream_response_time),
        request_time = request_time,
        duration_ms = request_time and request_time * 1000,
        bytes_sent = tonumber(ngx_var.bytes_sent),
        request_length = tonumber(ngx_var.request_length),
        user_agent = clean(ngx_var.http_user_agent, MAX_AGENT),
        ratelimit = ctx.ratelimit or json_null,
        waf = ctx.waf or (waf_enabled and json_null or WAF_OFF),
    }
    return json_encode(entry)
end


function _M.log(ctx, waf_enabled)
    local line, err = _M.line(ctx, waf_enabled)
    if not line then
        line = json_encode({ request_id = requestid.get(), log_error = err })
    end
    ngx_var.gw_log_line = line
end


return _M
