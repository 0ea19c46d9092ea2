-- Reads nginx/waf/config.json: threshold, per-route mode and methods, body budget,
-- what to inspect, and the exceptions. Paths in it are relative to the file itself.
-- A mistake raises an error naming the key, so nginx refuses to start with a bad config.

local engine = require("runnerly.waf.engine")
local exceptions = require("runnerly.waf.exceptions")
local rules_loader = require("runnerly.waf.rules")

local type = type
local ipairs = ipairs
local pairs = pairs
local error = error
local fmt = string.format
local str_lower = string.lower
local str_upper = string.upper
local concat = table.concat

local _M = { _VERSION = "0.1.0" }

local MODES = { block = true, detect = true, off = true }
-- nginx's error log adds the request line (query string included) to every entry, so
-- decisions go out at info by default: the JSON access log is where they are read.
local LOG_LEVELS = { warn = ngx.WARN, notice = ngx.NOTICE, info = ngx.INFO, off = false }
local OVERSIZE = { inspect_head = true, skip = true, reject = true }
local METHODS = {
    GET = true, HEAD = true, POST = true, PUT = true, PATCH = true, DELETE = true,
    OPTIONS = true, TRACE = true, CONNECT = true,
}
local BODY_KEYS = { max_inspect_bytes = "number", max_depth = "number", max_fields = "number",
    oversize = "string" }

local function fail(msg, ...)
    error(fmt("waf config: " .. msg, ...), 0)
end

local function dirname(path)
    return path:match("^(.*)/[^/]*$") or "."
end

local function resolve(base, path)
    if path:sub(1, 1) == "/" then
        return path
    end
    return base .. "/" .. path
end

local set_of = exceptions.set_of

local function check_body(body, where)
    if body == nil then
        return
    end
    for key, value in pairs(body) do
        local kind = BODY_KEYS[key]
        if not kind then
            fail("%s.%s is not a known body setting", where, key)
        end
        if type(value) ~= kind then
            fail("%s.%s must be a %s", where, key, kind)
        end
    end
    if body.oversize and not OVERSIZE[body.oversize] then
        fail("%s.oversize must be inspect_head, skip or reject", where)
    end
    for _, key in ipairs({ "max_inspect_bytes", "max_depth", "max_fields" }) do
        if body[key] and (body[key] < 1 or body[key] % 1 ~= 0) then
            fail("%s.%s must be a positive integer", where, key)
        end
    end
end

local function merged_body(base, override)
    local out = {}
    for k, v in pairs(base) do
        out[k] = v
    end
    for k, v in pairs(override or {}) do
        out[k] = v
    end
    return out
end

local function build_route(name, spec, defaults, body_defaults)
    local where = "routes." .. name
    if type(spec) ~= "table" then
        fail("%s must be an object", where)
    end
    local mode = spec.mode or defaults.mode or "block"
    if not MODES[mode] then
        fail("%s.mode must be block, detect or off", where)
    end
    local methods = spec.methods or defaults.methods
    local method_set = set_of(methods, where .. ".methods", str_upper)
    for method in pairs(method_set) do
        if not METHODS[method] then
            fail("%s.methods: unknown method %s", where, method)
        end
    end
    check_body(spec.body, where .. ".body")
    local allow = {}
    for _, method in ipairs(methods) do
        allow[#allow + 1] = str_upper(method)
    end
    return {
        name = name,
        mode = mode,
        methods = method_set,
        allow_header = table.concat(allow, ", "),
        body = merged_body(body_defaults, spec.body),
        exceptions = {},
    }
end

-- inspect.headers: which request headers the WAF reads, and with which rule classes. Each
-- item is a group {"names": [...], "classes": [...], "why": "..."}: the rules of those
-- classes that target "headers" look at those headers, and no other rule does (a header
-- carries one kind of value -- a URL, an address, a browser's self-description -- and only
-- some attacks make sense in it, while the others' patterns would misread it). A plain
-- header name is read by every rule that targets "headers". Returns the lowercased names,
-- and the exceptions that switch the other classes off for each group's headers.
local function header_groups(list, ruleset)
    if list == nil then
        return {}, {}
    end
    if type(list) ~= "table" then
        fail("inspect.headers must be a list")
    end
    -- The classes that have a rule looking at headers: a group naming another one would
    -- promise an inspection that never happens.
    local in_headers = {}
    for _, rule in ipairs(ruleset.rules) do
        for _, kind in ipairs(rule.targets) do
            if kind == "headers" then
                in_headers[rule.class] = true
            end
        end
    end
    local names, seen, excepted = {}, {}, {}
    local function add_name(name, where)
        if type(name) ~= "string" or name == "" then
            fail("%s must be a header name", where)
        end
        name = str_lower(name)
        if seen[name] then
            fail("%s: header %s is listed twice", where, name)
        end
        seen[name] = true
        names[#names + 1] = name
        return name
    end
    for i, item in ipairs(list) do
        local where = fmt("inspect.headers[%d]", i)
        if type(item) == "string" then
            add_name(item, where)
        elseif type(item) == "table" then
            if type(item.why) ~= "string" or item.why == "" then
                fail("%s.why must say what these headers carry", where)
            end
            if type(item.names) ~= "table" or #item.names == 0 then
                fail("%s.names must list header names", where)
            end
            local group = {}
            for j, name in ipairs(item.names) do
                group[#group + 1] = add_name(name, fmt("%s.names[%d]", where, j))
            end
            if type(item.classes) ~= "table" or #item.classes == 0 then
                fail("%s.classes must list rule classes", where)
            end
            local wanted = set_of(item.classes, where .. ".classes")
            for class in pairs(wanted) do
                if not in_headers[class] then
                    fail("%s.classes: no rule of class %s looks at headers", where, class)
                end
            end
            local others = {}
            for class in pairs(in_headers) do
                if not wanted[class] then
                    others[#others + 1] = class
                end
            end
            if #others > 0 then
                table.sort(others)
                excepted[#excepted + 1] = {
                    id = where, targets = { "headers" }, fields = group, classes = others,
                    reason = item.why,
                }
            end
        else
            fail("%s must be a header name or a group", where)
        end
    end
    return names, excepted
end

-- The rules' trigger sets for the engine's prefilter, from the file `triggers` names
-- (written by `runnerly-gateway waf-triggers`): rule.triggers, a list of byte values. A
-- rule the file does not list, or lists with the digest of another pattern (edited since),
-- gets none and always runs: a stale file can cost time, never detection.
local function source_digest(rule)
    if rule.phrases then
        return ngx.md5("phrases\0" .. concat(rule.phrases, "\0"))
    end
    return ngx.md5("pattern\0" .. rule.pattern .. "\0" .. rule.options:sub(3))
end

local function load_triggers(name, base, ruleset)
    if name == nil then
        return
    end
    if type(name) ~= "string" then
        fail("triggers must name the trigger sets' file")
    end
    local data, err = rules_loader.read_json(resolve(base, name))
    if not data then
        fail("cannot read %s", tostring(err))
    end
    if type(data.rules) ~= "table" then
        fail("%s: needs a rules object", name)
    end
    local stale = {}
    for _, rule in ipairs(ruleset.rules) do
        local entry = data.rules[rule.id]
        rule.triggers = nil
        if type(entry) ~= "table" or entry.md5 ~= source_digest(rule) then
            stale[#stale + 1] = rule.id
        elseif type(entry.bytes) == "table" and #entry.bytes > 0 then
            local bytes = {}
            for i, b in ipairs(entry.bytes) do
                if type(b) ~= "number" or b < 0 or b > 255 or b % 1 ~= 0 then
                    fail("%s: rule %s: bytes must be 0 to 255", name, rule.id)
                end
                bytes[i] = b
            end
            rule.triggers = bytes
        end
    end
    if stale[1] then
        ngx.log(ngx.WARN, "waf: ", name, " is stale for rules ", concat(stale, ", "),
            " (they always run); run `runnerly-gateway waf-triggers`")
    end
end

-- Loads the config at `path` and the rule files it names.
function _M.load(path)
    local data, err = rules_loader.read_json(path)
    if not data then
        fail("cannot read %s", tostring(err))
    end
    local base = dirname(path)

    if type(data.threshold) ~= "number" or data.threshold < 1 then
        fail("threshold must be a positive number")
    end
    local paranoia = data.paranoia or 1
    if type(paranoia) ~= "number" or paranoia < 1 or paranoia > 4 then
        fail("paranoia must be 1 to 4")
    end
    if type(data.rule_files) ~= "table" or #data.rule_files == 0 then
        fail("rule_files must list the rule files")
    end
    local rule_paths = {}
    for i, file in ipairs(data.rule_files) do
        if type(file) ~= "string" then
            fail("rule_files[%d] must be a path", i)
        end
        rule_paths[i] = resolve(base, file)
    end
    local ruleset = rules_loader.load(rule_paths)
    local rule_ids = {}
    for _, rule in ipairs(ruleset.rules) do
        rule_ids[rule.id] = true
    end

    load_triggers(data.triggers, base, ruleset)

    local inspect = data.inspect or {}
    local headers, header_exceptions = header_groups(inspect.headers, ruleset)

    check_body(data.body, "body")
    local body_defaults = merged_body({
        max_inspect_bytes = 65536, max_depth = 32, max_fields = 2048, oversize = "inspect_head",
    }, data.body)
    local defaults = data.defaults or {}

    if type(data.routes) ~= "table" then
        fail("routes must map route classes to their settings")
    end
    local routes = {}
    for name, spec in pairs(data.routes) do
        routes[name] = build_route(name, spec, defaults, body_defaults)
    end
    local default_route = data.default_route or "web"
    if not routes[default_route] then
        fail("default_route %s is not a route", default_route)
    end

    for i, spec in ipairs(data.exceptions or {}) do
        exceptions.add(i, spec, routes, ruleset.classes, rule_ids)
    end
    for _, spec in ipairs(header_exceptions) do
        exceptions.add(spec.id, spec, routes, ruleset.classes, rule_ids)
    end
    -- "hyperscan": false keeps the signatures on PCRE alone (the fallback where libhs is
    -- missing), to compare the two; by default Hyperscan is used when it is there.
    local hyperscan = data.hyperscan
    if hyperscan == nil then
        hyperscan = true
    elseif type(hyperscan) ~= "boolean" then
        fail("hyperscan must be true or false")
    end
    for _, route in pairs(routes) do
        route.plan = engine.plan(ruleset, paranoia, route.exceptions, hyperscan)
    end

    local log_level = data.log_level or "info"
    if LOG_LEVELS[log_level] == nil then
        fail("log_level must be warn, notice, info or off")
    end

    return {
        path = path,
        log_level = LOG_LEVELS[log_level],
        threshold = data.threshold,
        paranoia = paranoia,
        ruleset = ruleset,
        hyperscan = hyperscan and engine.hyperscan,

        headers = headers,
        cookies = inspect.cookies ~= false,
        routes = routes,
        default_route = default_route,
        skip_body_types = inspect.skip_body_types or {},
        xml_body_types = inspect.xml_body_types or {},
    }
end

return _M
