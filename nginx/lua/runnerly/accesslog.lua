-- One JSON object a line per request, written by nginx's access_log from the variable
-- $gw_log_line that log() fills in the log phase (log_format ... escape=none): the object
-- without its closing brace, to which the log_format adds the keys nginx writes itself
-- (connection, client, bytes_sent, request_length) and the brace.
--
-- The path is logged without its query string (values there may be secrets or personal
-- data) and truncated; bytes outside ASCII are percent-encoded so every line is UTF-8.
--
-- The line is written out by concatenation, not cjson.encode of a table: the encoder walked
-- a fresh 22-key table and printed each number with snprintf("%.14g"), which cost as much as
-- the rest of the Lua layer together (about 90,000 instructions a request under callgrind,
-- decision 73). nginx's numbers are already text, and are passed on as they are.

local cjson = require "cjson.safe"
local requestid = require "runnerly.requestid"

local ngx = ngx
local ngx_var = ngx.var
local ngx_req = ngx.req
local ngx_now = ngx.now
local ngx_utctime = ngx.utctime
local re_find = ngx.re.find
local json_encode = cjson.encode
local math_floor = math.floor
local string_format = string.format
local str_find = string.find
local next = next
local tonumber = tonumber
local tostring = tostring
local type = type

local _M = { _VERSION = "0.1.0" }

local MAX_PATH = 256
local MAX_AGENT = 200
local WAF_OFF = '{"action":"off"}'
local RATELIMIT_PASS = '{"decision":"pass"}'


local function percent_encode_byte(c)
    return string_format("%%%02X", c:byte())
end


-- A string from the request (its path, its User-Agent) as a JSON string: quoted as it is
-- when nothing in it needs escaping (one regex), else its bytes above 127 percent-encoded and
-- the rest escaped by cjson. The line's other strings are nginx's or our own and never
-- need either (addresses, upper-case methods, route classes, well-formed request ids).
local function clean(text, limit)
    if not text then
        return "null"
    end
    if #text > limit then
        text = text:sub(1, limit) .. "..."
    end
    if not re_find(text, [=[[\x00-\x1f"\\\x7f-\xff]]=], "jo") then
        return '"' .. text .. '"'
    end
    -- string.gsub stops LuaJIT's compiler: only called when there is a byte to encode.
    return json_encode((text:gsub("[\128-\255]", percent_encode_byte)))
end


-- The date and time to the second change once a second: built then, not per line.
local second_of_prefix, time_prefix = -1, ""

-- When the line is written, as ISO 8601 UTC with ms, from nginx's cached clock (no syscall).
local function iso_now()
    local now = ngx_now()
    local second = math_floor(now)
    if second ~= second_of_prefix then
        second_of_prefix = second
        time_prefix = '"' .. (ngx_utctime():gsub(" ", "T", 1))
    end
    return time_prefix .. string_format(".%03dZ\"", math_floor((now - second) * 1000))
end


-- An nginx number as JSON: the text itself when it is one number ("0.004", "200"); several
-- (next upstream: "0.001, 0.004") stay a string; none ("-", empty) is null.
local function number(value)
    if not value or value == "" or value == "-" then
        return "null"
    end
    if tonumber(value) then
        return value
    end
    return '"' .. value .. '"'
end


-- An upstream status: a number, or null when there were several (or none).
local function status_number(value)
    if value and tonumber(value) then
        return value
    end
    return "null"
end


-- A decision table (ctx.ratelimit, ctx.waf) as JSON: the common pass decisions are
-- constants, anything else goes through cjson (an empty `rules` stays `{}`, as it was).
local waf_pass = {}  -- mode -> line part, for a pass without score, rules or note
local PASS_KEYS = 4  -- action, score, rules, mode: a table with any other is encoded whole

local function key_count(t)
    local count, key = 0, next(t)
    while key ~= nil do
        count = count + 1
        key = next(t, key)
    end
    return count
end

local function waf_json(waf, waf_enabled)
    if not waf then
        return waf_enabled and "null" or WAF_OFF
    end
    local mode, rules = waf.mode, waf.rules
    if waf.action == "pass" and waf.score == 0 and type(mode) == "string"
        and type(rules) == "table" and next(rules) == nil and key_count(waf) == PASS_KEYS then
        local text = waf_pass[mode]
        if not text then
            text = json_encode(waf)
            waf_pass[mode] = text
        end
        return text
    end
    return json_encode(waf) or "null"
end


local function ratelimit_json(ratelimit)
    if not ratelimit then
        return "null"
    end
    if ratelimit.decision == "pass" and next(ratelimit, next(ratelimit)) == nil then
        return RATELIMIT_PASS
    end
    return json_encode(ratelimit) or "null"
end


-- The line; route, request_time, upstream_addr and upstream_time are those nginx
-- variables' values, which gateway.log() reads once for this and the metrics.
function _M.line(ctx, waf_enabled, route, request_time, upstream_addr, upstream_time)
    local uri = ngx_var.request_uri or ""
    local query_at = str_find(uri, "?", 1, true)
    local seconds = tonumber(request_time)
    return '{"time":' .. iso_now()
        -- The keys of every Runnerly log line (runnerly_common.logs), then the request's.
        .. ',"level":"INFO","logger":"gateway.access","message":"request","service":"gateway"'
        .. ',"request_id":' .. '"' .. (ctx.request_id or requestid.get()) .. '"'
        .. ',"method":' .. '"' .. ngx_req.get_method() .. '"'
        .. ',"route":' .. ((route and route ~= "") and '"' .. route .. '"' or "null")
        .. ',"path":' .. clean(query_at and uri:sub(1, query_at - 1) or uri, MAX_PATH)
        .. ',"query":' .. (query_at and "true" or "false")
        .. ',"status":' .. ngx.status
        .. ',"upstream_addr":' .. (upstream_addr and '"' .. upstream_addr .. '"' or "null")
        .. ',"upstream_status":' .. status_number(ngx_var.upstream_status)
        .. ',"upstream_time":' .. number(upstream_time)
        .. ',"request_time":' .. (seconds and request_time or "null")
        .. ',"duration_ms":' .. (seconds and tostring(seconds * 1000) or "null")
        .. ',"user_agent":' .. clean(ngx_var.http_user_agent, MAX_AGENT)
        .. ',"ratelimit":' .. ratelimit_json(ctx.ratelimit)
        .. ',"waf":' .. waf_json(ctx.waf, waf_enabled)
        -- nginx.conf's log_format adds "connection" (nginx's error lines about this request
        -- name the same connection, their "*5": runnerly-gateway run gives them this line's
        -- request_id), "client", "bytes_sent", "request_length" and the closing brace.
end


function _M.log(ctx, waf_enabled, route, request_time, upstream_addr, upstream_time)
    local ok, line = pcall(_M.line, ctx, waf_enabled, route, request_time, upstream_addr,
        upstream_time)
    if not ok then
        line = json_encode({ request_id = requestid.get(), log_error = tostring(line) })
        line = line:sub(1, -2)  -- the log_format closes the object
    end
    ngx_var.gw_log_line = line
end


return _M
