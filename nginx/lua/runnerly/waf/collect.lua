-- Gathers what the WAF inspects in a request, as items grouped by target kind:
--   path, query, query_names, body_args, body_names, headers, user_agent, cookies,
--   cookie_names, xml, body.
-- An item is {field = lowercased name, path = dotted path, value = string}; the engine
-- caches transformed values on it.

local body = require("runnerly.waf.body")

local type = type
local ipairs = ipairs
local pairs = pairs
local str_find = string.find
local re_find = ngx.re.find
local str_sub = string.sub
local str_lower = string.lower
local gmatch = string.gmatch
local match = string.match

local _M = { _VERSION = "0.1.0" }

-- Arrays of similar objects repeat their keys and many values: a short value already seen
-- under the same field and kind is not inspected again.
local DEDUPE_BELOW = 256

-- Parameter, JSON key and cookie names that are plain identifiers carry nothing to match.
local NAME_KINDS = { query_names = true, body_names = true, cookie_names = true }
local IDENTIFIER = [[^[\w.\[\]-]+$]]

local function new_items()
    local items, seen = {}, {}
    local function add(kind, name, path, value)
        if type(value) ~= "string" or value == "" then
            return
        end
        if NAME_KINDS[kind] and #value <= 64 and re_find(value, IDENTIFIER, "jo") then
            return
        end
        local field = str_lower(name or "")
        if #value < DEDUPE_BELOW then
            local key = kind .. "\0" .. field .. "\0" .. value
            if seen[key] then
                return
            end
            seen[key] = true
        end
        local list = items[kind]
        if not list then
            list = {}
            items[kind] = list
        end
        list[#list + 1] = { field = field, path = str_lower(path or ""), value = value }
    end
    return items, add
end

local function add_args(args, add)
    for name, value in pairs(args) do
        add("query_names", name, name, name)
        if type(value) == "table" then
            for _, v in ipairs(value) do
                add("query", name, name, v)
            end
        else
            add("query", name, name, value)
        end
    end
end

local function add_cookies(header, add)
    for pair in gmatch(header, "[^;]+") do
        local name, value = match(pair, "^%s*([^=]-)%s*=%s*(.-)%s*$")
        if name then
            add("cookie_names", name, name, name)
            add("cookies", name, name, value)
        else
            add("cookie_names", pair, pair, pair)
        end
    end
end

local function add_headers(names, add)
    local headers = ngx.req.get_headers(100)
    for _, name in ipairs(names) do
        local value = headers[name]
        if type(value) == "table" then
            for _, v in ipairs(value) do
                add("headers", name, name, v)
            end
        else
            add("headers", name, name, value)
        end
    end
    local agent = headers["user-agent"]
    if type(agent) == "table" then
        agent = agent[1]
    end
    add("user_agent", "user-agent", "user-agent", agent)
    return headers
end

-- Returns the items, and a status: nil, or "reject" when the route refuses a body it
-- cannot inspect whole, with a note of what was cut ("truncated", "json_budget").
function _M.request(conf, route)
    local items, add = new_items()

    local uri = ngx.var.request_uri or ""
    local q = str_find(uri, "?", 1, true)
    add("path", "path", "path", q and str_sub(uri, 1, q - 1) or uri)
    if q then
        add_args(ngx.req.get_uri_args(0), add)
    end

    local headers = add_headers(conf.headers, add)
    if conf.cookies then
        local cookie = headers["cookie"]
        if type(cookie) == "table" then
            for _, c in ipairs(cookie) do
                add_cookies(c, add)
            end
        elseif cookie then
            add_cookies(cookie, add)
        end
    end

    local budget = route.body
    local data, truncated, verdict = body.read(budget)
    if verdict == "reject" then
        return items, "reject"
    end
    local note = truncated and "truncated" or nil
    if data and data ~= "" then
        local content_type = headers["content-type"]
        if type(content_type) == "table" then
            content_type = content_type[1]
        end
        if body.split(data, content_type, add, conf, budget) then
            note = "json_budget"
        end
    end
    return items, nil, note
end

return _M
