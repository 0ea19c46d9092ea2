-- Exceptions: config data that switches rules off for some routes, targets and fields.
--
--   {"id": "...", "routes": [...], "targets": [...], "fields": [...],
--    "classes": [...] and/or "rules": [...], "reason": "..."}
--
-- Omitted routes, targets or fields mean all of them; classes or rules are required, and so
-- is the reason. A field matches an item's name (the JSON key, form or query name,
-- lowercased) or its dotted path ("map.summary_polyline").

local rules_loader = require("runnerly.waf.rules")

local type = type
local ipairs = ipairs
local pairs = pairs
local error = error
local fmt = string.format
local str_lower = string.lower

local _M = { _VERSION = "0.1.0" }

local function fail(msg, ...)
    error(fmt("waf config: " .. msg, ...), 0)
end

local function set_of(list, where, normalize_item)
    if type(list) ~= "table" then
        fail("%s must be a list", where)
    end
    local set = {}
    for _, item in ipairs(list) do
        if type(item) ~= "string" or item == "" then
            fail("%s must hold non-empty strings", where)
        end
        set[normalize_item and normalize_item(item) or item] = true
    end
    return set
end
_M.set_of = set_of

-- Checks exception number `i` and appends it to the `exceptions` list of each route it names.
function _M.add(i, spec, routes, classes, rule_ids)
    -- `i`: the exception's place in the config's list, or where else it was declared.
    local where = type(i) == "number" and fmt("exceptions[%d]", i) or i
    if type(spec) ~= "table" then
        fail("%s must be an object", where)
    end
    if type(spec.reason) ~= "string" or spec.reason == "" then
        fail("%s needs a reason: an exception nobody can explain is a hole", where)
    end
    if spec.classes == nil and spec.rules == nil then
        fail("%s must name the classes or rules it skips", where)
    end
    local ex = { id = spec.id or where }
    if spec.classes then
        ex.classes = set_of(spec.classes, where .. ".classes")
        for class in pairs(ex.classes) do
            if not classes[class] then
                fail("%s.classes: no rule file defines class %s", where, class)
            end
        end
    end
    if spec.rules then
        ex.rules = set_of(spec.rules, where .. ".rules")
        for id in pairs(ex.rules) do
            if not rule_ids[id] then
                fail("%s.rules: no rule has id %s", where, id)
            end
        end
    end
    if spec.fields then
        ex.fields = set_of(spec.fields, where .. ".fields", str_lower)
    end
    if spec.targets then
        ex.targets = set_of(spec.targets, where .. ".targets")
        for target in pairs(ex.targets) do
            if not rules_loader.TARGETS[target] then
                fail("%s.targets: unknown target %s", where, target)
            end
        end
    end
    local route_names = spec.routes
    if route_names == nil then
        route_names = {}
        for name in pairs(routes) do
            route_names[#route_names + 1] = name
        end
    end
    for name in pairs(set_of(route_names, where .. ".routes")) do
        local route = routes[name]
        if not route then
            fail("%s.routes: unknown route %s", where, name)
        end
        route.exceptions[#route.exceptions + 1] = ex
    end
end


-- The exceptions whose targets and fields cover `item`, found in target `kind`, or nil.
function _M.for_item(exceptions, kind, item)
    local found
    for _, ex in ipairs(exceptions) do
        if (ex.targets == nil or ex.targets[kind])
            and (ex.fields == nil or ex.fields[item.field] or ex.fields[item.path])
        then
            found = found or {}
            found[#found + 1] = ex
        end
    end
    return found
end

-- Whether one of the exceptions `for_item` found switches `rule` off.
function _M.skips(found, rule)
    for _, ex in ipairs(found) do
        if (ex.classes and ex.classes[rule.class]) or (ex.rules and ex.rules[rule.id]) then
            return true
        end
    end
    return false
end

-- Whether one of `exceptions` switches `rule` off for every item of target `kind`.
function _M.covers(exceptions, rule, kind)
    for _, ex in ipairs(exceptions) do
        if ex.fields == nil
            and (ex.targets == nil or ex.targets[kind])
            and ((ex.classes and ex.classes[rule.class]) or (ex.rules and ex.rules[rule.id]))
        then
            return true
        end
    end
    return false
end

return _M
