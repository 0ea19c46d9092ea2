-- Anomaly scoring: every rule that matches some item adds its score once; the request is
-- an attack when the total reaches the threshold. Exceptions drop a rule for some items.
--
-- Each route gets a plan: per target kind, its rules grouped by transform chain, without
-- the rules an exception switches off for the whole route and kind (a GPX upload's XML
-- then only meets the XXE and Log4Shell rules). Exceptions that name fields are checked
-- per item.

local exceptions_m = require("runnerly.waf.exceptions")
local normalize = require("runnerly.waf.normalize")
local rules_loader = require("runnerly.waf.rules")

local ipairs = ipairs
local pairs = pairs
local next = next
local re_find = ngx.re.find
local matches = rules_loader.matches
local exception_covers = exceptions_m.covers
local exception_skips = exceptions_m.skips

local _M = { _VERSION = "0.1.0" }

local DECODERS = {}
for _, name in ipairs({ "url_decode", "html_entities", "js_escapes", "unicode_fold", "remove_nulls" }) do
    DECODERS[normalize.transforms[name]] = true
end

-- For each target kind, the groups of rules (at or below `paranoia`) that look there on a
-- route with these `exceptions`; and the exceptions left to check per item.
function _M.plan(ruleset, paranoia, exceptions)
    local by_kind, active, per_item = {}, {}, {}
    for _, ex in ipairs(exceptions) do
        if ex.fields then
            per_item[#per_item + 1] = ex
        end
    end
    for _, rule in ipairs(ruleset.rules) do
        if rule.paranoia <= paranoia then
            active[#active + 1] = rule
            for _, kind in ipairs(rule.targets) do
                if not exception_covers(exceptions, rule, kind) then
                    local groups = by_kind[kind]
                    if not groups then
                        groups = { list = {}, by_chain = {} }
                        by_kind[kind] = groups
                    end
                    local group = groups.by_chain[rule.chain]
                    if not group then
                        group = { transforms = rule.transforms, prefixes = rule.prefixes, rules = {} }
                        groups.by_chain[rule.chain] = group
                        groups.list[#groups.list + 1] = group
                    end
                    group.rules[#group.rules + 1] = rule
                end
            end
        end
    end
    local plan = { rules = active, kinds = {}, exceptions = per_item }
    for kind, groups in pairs(by_kind) do
        plan.kinds[kind] = groups.list
    end
    return plan
end

-- The item's value through the group's transforms; every prefix of a chain is cached on
-- the item, so chains that start alike ("url_decode,unicode_fold,...") share the work.
-- Decoders have nothing to undo in a plain value (no %, &, \, NUL or byte above 127).
local function transformed(item, group)
    local cache = item.cache
    if not cache then
        cache = {}
        item.cache = cache
        item.plain = not re_find(item.value, [=[[%&\\\x00\x80-\xff]]=], "jo")
    end
    local prefixes = group.prefixes
    local n = #prefixes
    local value = cache[prefixes[n] or ""]
    if value ~= nil then
        return value
    end
    value = item.value
    local plain = item.plain
    for i = 1, n do
        local cached = cache[prefixes[i]]
        if cached == nil then
            local fn = group.transforms[i]
            if plain and DECODERS[fn] then
                cached = value
            else
                cached = fn(value)
            end
            cache[prefixes[i]] = cached
        end
        value = cached
    end
    if n == 0 then
        cache[""] = value
    end
    return value
end

-- The exceptions that name this item's field (checked once per item and kind), or false.
local function exceptions_for(item, kind, exceptions)
    local by_kind = item.exceptions
    if not by_kind then
        by_kind = {}
        item.exceptions = by_kind
    end
    local found = by_kind[kind]
    if found == nil then
        found = exceptions_m.for_item(exceptions, kind, item) or false
        by_kind[kind] = found
    end
    return found
end

-- Whether some rule of the group is still to run on an item: not yet matched elsewhere
-- and not excepted for it. Saves transforming values no rule will look at.
local function wanted(rules, hits, excepted)
    for _, rule in ipairs(rules) do
        if not hits[rule] and not (excepted and exception_skips(excepted, rule)) then
            return true
        end
    end
    return false
end

local function run_group(group, kind, list, exceptions, hits)
    local rules = group.rules
    for _, item in ipairs(list) do
        local excepted = exceptions[1] and exceptions_for(item, kind, exceptions)
        if wanted(rules, hits, excepted) then
            local value = transformed(item, group)
            if value ~= "" then
                for _, rule in ipairs(rules) do
                    if not hits[rule]
                        and not (excepted and exception_skips(excepted, rule))
                        and matches(rule, value)
                    then
                        hits[rule] = kind .. ":" .. item.path
                    end
                end
            end
        end
    end
end

-- Scores `items` with a route's `plan`. Returns the score, the matched rule ids in rule
-- order, and "kind:path" of where each one matched.
function _M.score(plan, items)
    local hits = {}
    local exceptions = plan.exceptions
    for kind, groups in pairs(plan.kinds) do
        local list = items[kind]
        if list then
            for _, group in ipairs(groups) do
                run_group(group, kind, list, exceptions, hits)
            end
        end
    end
    local score, ids, where = 0, {}, {}
    if next(hits) then
        for _, rule in ipairs(plan.rules) do
            local at = hits[rule]
            if at then
                score = score + rule.score
                ids[#ids + 1] = rule.id
                where[#where + 1] = at
            end
        end
    end
    return score, ids, where
end

return _M
