-- The status server's /metrics: what runnerly.metrics counted, in Prometheus's text
-- exposition format (0.0.4), with a HELP and TYPE line for every family, and nginx's
-- connection gauges.
--
--   location = /metrics {
--       content_by_lua_block { require("runnerly.metrics.exposition").expose() }
--   }
--
-- A histogram's buckets are stored apart (see runnerly/metrics.lua) and added up here, so
-- they are cumulative and le="+Inf" equals _count by construction, even while workers write.

local families = require "runnerly.metrics.families"

local ngx = ngx
local ngx_var = ngx.var
local ngx_log = ngx.log
local ngx_ERR = ngx.ERR
local ipairs = ipairs
local math_floor = math.floor
local string_format = string.format
local table_concat = table.concat
local table_sort = table.sort
local tonumber = tonumber

local _M = { _VERSION = "0.1.0" }

local DICT_NAME = families.DICT
local OVERFLOW = #families.BUCKETS + 1
local BUCKET_LABELS = {}  -- the le label of each bucket: "0.005" ... "10", "+Inf"
for i, bound in ipairs(families.BUCKETS) do
    BUCKET_LABELS[i] = string_format("%.15g", bound)
end
BUCKET_LABELS[OVERFLOW] = "+Inf"

local dict = ngx.shared[DICT_NAME]


-- Integers as integers (counts), the rest to 15 significant digits (sums of seconds).
local function number(value)
    if value == math_floor(value) and value < 1e15 then
        return string_format("%d", value)
    end
    return string_format("%.15g", value)
end


-- keys: "<name>{<labels>} <bucket>" and "... sum", sorted; grouped per series.
local function histogram_lines(out, n, name, keys)
    local series, order = {}, {}
    for _, key in ipairs(keys) do
        local at = key:find(" ", 1, true)
        local head, tail = key:sub(1, at - 1), key:sub(at + 1)
        local one = series[head]
        if not one then
            one = { counts = {}, sum = 0 }
            series[head] = one
            order[#order + 1] = head
        end
        local value = dict:get(key) or 0
        if tail == "sum" then
            one.sum = value
        else
            one.counts[tonumber(tail)] = value
        end
    end
    local name_len = #name
    for _, head in ipairs(order) do
        local labels = head:sub(name_len + 2, -2)  -- between the braces
        local prefix = name .. "_bucket{" .. labels .. (labels == "" and "" or ",") .. 'le="'
        local one, cumulative = series[head], 0
        for i = 1, OVERFLOW do
            cumulative = cumulative + (one.counts[i] or 0)
            n = n + 1
            out[n] = prefix .. BUCKET_LABELS[i] .. '"} ' .. number(cumulative)
        end
        n = n + 1
        out[n] = name .. "_sum{" .. labels .. "} " .. number(one.sum)
        n = n + 1
        out[n] = name .. "_count{" .. labels .. "} " .. number(cumulative)
    end
    return n
end


-- nginx's client connections (stub_status's variables; absent without that module).
local function connection_lines(out, n)
    local active = tonumber(ngx_var.connections_active)
    if not active then
        return n
    end
    local family = families.CONNECTIONS
    n = n + 1
    out[n] = "# HELP " .. family.name .. " " .. family.help
    n = n + 1
    out[n] = "# TYPE " .. family.name .. " gauge"
    for _, state in ipairs(family.states) do
        n = n + 1
        out[n] = family.name .. '{state="' .. state .. '"} '
            .. (tonumber(ngx_var["connections_" .. state]) or 0)
    end
    return n
end


-- The content of /metrics: every family in families.LIST order, its series sorted.
function _M.expose()
    local out, n = {}, 0
    if dict then
        local keys = dict:get_keys(0)
        table_sort(keys)
        local by_family = {}
        for _, key in ipairs(keys) do
            local name = key:match("^[^{]+")
            local list = by_family[name]
            if not list then
                list = {}
                by_family[name] = list
            end
            list[#list + 1] = key
        end
        for _, family in ipairs(families.LIST) do
            local name = family.name
            n = n + 1
            out[n] = "# HELP " .. name .. " " .. family.help
            n = n + 1
            out[n] = "# TYPE " .. name .. " " .. family.kind
            local list = by_family[name] or {}
            if family.kind == "histogram" then
                n = histogram_lines(out, n, name, list)
            else
                for _, key in ipairs(list) do
                    n = n + 1
                    out[n] = key .. " " .. number(dict:get(key) or 0)
                end
            end
        end
    else
        ngx_log(ngx_ERR, "metrics: lua_shared_dict ", DICT_NAME, " is not defined")
    end
    n = connection_lines(out, n)
    out[n + 1] = ""
    ngx.header["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    ngx.header["Cache-Control"] = "no-store"
    ngx.print(table_concat(out, "\n"))
end


return _M
