-- Gathers what the WAF inspects in a request, as items grouped by target kind:
--   path, query, query_names, body_args, body_names, headers, user_agent, cookies,
--   cookie_names, xml, body.
-- An item is {field = lowercased name, path = dotted path, value = string}; the engine
-- caches transformed values on it. remember_clean() after a clean request lets the next
-- requests skip the header and cookie values this one carried.

local body = require("runnerly.waf.body")

local type = type
local setmetatable = setmetatable
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

-- Headers and cookies repeat from request to request (one browser, one app version, one
-- session), paths, queries and bodies much less: a header or cookie value that a request
-- carried without any rule matching anything in that request is remembered per worker
-- (route, kind, field and value: the same plan and exceptions would find nothing again)
-- and skipped until the memory is full, when it starts afresh. Values that matched, and
-- every value of a request where anything matched, are inspected every time.
local CLEAN_KINDS = { headers = true, user_agent = true, cookies = true, cookie_names = true }
local CLEAN_MAX_VALUE = 512
local CLEAN_KEPT = 4096
local clean, clean_count = {}, 0

-- One request's items; st.route: the route's name, part of the clean-value key.
local function add(st, kind, name, path, value)
    if type(value) ~= "string" or value == "" then
        return
    end
    if NAME_KINDS[kind] and #value <= 64 and re_find(value, IDENTIFIER, "jo") then
        return
    end
    local field = str_lower(name or "")
    local clean_key
    if CLEAN_KINDS[kind] and #value <= CLEAN_MAX_VALUE then
        clean_key = st.route .. "\0" .. kind .. "\0" .. field .. "\0" .. value
        if clean[clean_key] then
            return
        end
    end
    if #value < DEDUPE_BELOW then
        local key = kind .. "\0" .. field .. "\0" .. value
        local seen = st.seen
        if seen[key] then
            return
        end
        seen[key] = true
    end
    local items = st.items
    local list = items[kind]
    if not list then
        list = {}
        items[kind] = list
    end
    list[#list + 1] = { field = field, path = str_lower(path or ""), value = value, clean_key = clean_key }
end

-- After a request in which no rule matched anything: its header and cookie values are clean.
function _M.remember_clean(items)
    for kind in pairs(CLEAN_KINDS) do
        local list = items[kind]
        if list then
            for _, item in ipairs(list) do
                local key = item.clean_key
                if key then
                    if clean_count >= CLEAN_KEPT then
                        clean, clean_count = {}, 0
                    end
                    clean[key] = true
                    clean_count = clean_count + 1
                end
            end
        end
    end
end

local function add_args(args, st)
    for name, value in pairs(args) do
        add(st, "query_names", name, name, name)
        if type(value) == "table" then
            for _, v in ipairs(value) do
                add(st, "query", name, name, v)
            end
        else
            add(st, "query", name, name, value)
        end
    end
end

local function add_cookies(header, st)
    for pair in gmatch(header, "[^;]+") do
        local name, value = match(pair, "^%s*([^=]-)%s*=%s*(.-)%s*$")
        if name then
            add(st, "cookie_names", name, name, name)
            add(st, "cookies", name, name, value)
        else
            add(st, "cookie_names", pair, pair, pair)
        end
    end
end

local function add_headers(names, st)
    local headers = ngx.req.get_headers(100)
    for _, name in ipairs(names) do
        local value = headers[name]
        if type(value) == "table" then
            for _, v in ipairs(value) do
                add(st, "headers", name, name, v)
            end
        else
            add(st, "headers", name, name, value)
        end
    end
    local agent = headers["user-agent"]
    if type(agent) == "table" then
        agent = agent[1]
    end
    add(st, "user_agent", "user-agent", "user-agent", agent)
    return headers
end

local ST_CALL = {
    __call = function(st, kind, name, path, value)
        add(st, kind, name, path, value)
    end,
}

-- Returns the items, and a status: nil, or "reject" when the route refuses a body it
-- cannot inspect whole, with a note of what was cut ("truncated", "json_budget").
function _M.request(conf, route)
    local items = {}
    local st = { items = items, seen = {}, route = route.name }

    local uri = ngx.var.request_uri or ""
    local q = str_find(uri, "?", 1, true)
    add(st, "path", "path", "path", q and str_sub(uri, 1, q - 1) or uri)
    if q then
        add_args(ngx.req.get_uri_args(0), st)
    end

    local headers = add_headers(conf.headers, st)
    if conf.cookies then
        local cookie = headers["cookie"]
        if type(cookie) == "table" then
            for _, c in ipairs(cookie) do
                add_cookies(c, st)
            end
        elseif cookie then
            add_cookies(cookie, st)
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
        -- st itself is body.split's add(kind, name, path, value): no closure per request
        -- (creating one keeps LuaJIT from compiling this function).
        setmetatable(st, ST_CALL)
        if body.split(data, content_type, st, conf, budget) then
            note = "json_budget"
        end
    end
    return items, nil, note
end

return _M
