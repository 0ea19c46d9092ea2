-- Anomaly scoring: every rule that matches some item adds its score once; the request is
-- an attack when the total reaches the threshold. Exceptions drop a rule for some items.
--
-- Each route gets a plan: per target kind, its rules grouped by transform chain, without
-- the rules an exception switches off for the whole route and kind (a GPX upload's XML
-- then only meets the XXE and Log4Shell rules). Exceptions that name fields are checked
-- per item.
--
-- The cost on benign traffic is kept low three ways: each group's rules are also combined
-- into one alternation (runnerly.waf.combine), so a value none of them matches costs one
-- regex scan, and the rules run one by one only on a hit, to name the ones that matched; a
-- transform's result is kept per input for the whole request, so chains that reach the
-- same string (most transforms leave most values as they are) do not redo each other's
-- work; and the decoders are skipped on values with nothing to decode.
--
-- And a prefilter derived from the rules: each rule's trigger set (runnerly_gateway's
-- waf_triggers, loaded by runnerly.waf.config as rule.triggers) holds bytes one of which
-- every match of its pattern contains. On a value whose chain cannot create such bytes
-- (none of the bytes its transforms react to: normalize.triggers), a rule whose trigger
-- bytes the value lacks cannot match, and is skipped; a group left with no rule to run
-- costs neither its transforms nor a regex.

local combine = require("runnerly.waf.combine")
local hs = require("runnerly.waf.hs")
local exceptions_m = require("runnerly.waf.exceptions")
local normalize = require("runnerly.waf.normalize")
local regex = require("runnerly.waf.regex")
local rules_loader = require("runnerly.waf.rules")

local ipairs = ipairs
local pairs = pairs
local next = next
local concat = table.concat
local str_byte = string.byte
local str_char = string.char
local bit = require("bit")
local clear = require("table.clear")
local matches = rules_loader.matches
local may_match = combine.may_match
local exception_covers = exceptions_m.covers
local exception_skips = exceptions_m.skips

local _M = { _VERSION = "0.1.0" }

-- Alternations scan each position with every rule in turn and lose the start-of-match
-- optimizations PCRE computes for each pattern on its own: on longer values the rules one
-- by one are faster (measured: a 70-byte User-Agent, 15 SQL rules: 4 us apart, 8 together).
local COMBINE_MAX = 24

local has_escapes = regex.tester([=[[%&\\\x00\x80-\xff]]=], "jo")

local DECODERS = {}
for _, name in ipairs({ "url_decode", "html_entities", "js_escapes", "unicode_fold", "remove_nulls" }) do
    DECODERS[normalize.transforms[name]] = true
end

-- The prefilter's bits. Each trigger byte of the rules gets a bit (beyond 31 of them,
-- bytes share bits: a coarser filter, still sound), each transform's trigger class a bit
-- of its own; an item's signature is the OR of its bytes' bits, computed in one pass.
local band, bor, lshift = bit.band, bit.bor, bit.lshift
local SIGNATURE_MAX = 512 -- longer values take the full path (one pass over them would cost)
-- With Hyperscan, up to the largest body inspected by default: the pass (a compiled byte
-- loop, about 1 ns a byte) costs far less than the transforms it saves on a long value.
local SIGNATURE_MAX_HS = 1024 * 1024
local BY_SIGNATURE_MAX = 256 -- signatures kept per group before starting over
local byte_bits, transform_bits = {}, {}
for b = 0, 255 do
    byte_bits[b], transform_bits[b] = 0, 0
end
local transform_bit = {} -- transform name -> its bit, 0 for none, false: never fast
do
    local k = 0
    for name, class in pairs(normalize.triggers) do
        if class == "" or class == false then
            transform_bit[name] = class == "" and 0
        else
            local tester = regex.tester(class, "jo") -- a class of single bytes
            local mask = lshift(1, k % 31)
            k = k + 1
            for b = 0, 255 do
                if tester(str_char(b)) then
                    transform_bits[b] = bor(transform_bits[b], mask)
                end
            end
            transform_bit[name] = mask
        end
    end
end

local function assign_byte_bits(ruleset)
    local k, seen = 0, {}
    for b = 0, 255 do
        byte_bits[b] = 0
    end
    for _, rule in ipairs(ruleset.rules) do
        for _, b in ipairs(rule.triggers or {}) do
            if not seen[b] then
                seen[b] = true
                byte_bits[b] = lshift(1, k % 31)
                k = k + 1
            end
        end
    end
    for _, rule in ipairs(ruleset.rules) do
        local mask = 0
        for _, b in ipairs(rule.triggers or {}) do
            mask = bor(mask, byte_bits[b])
        end
        rule.trigger_mask = rule.triggers and mask or nil
    end
end

-- The chain's transform bits, or nil when it never takes the fast path.
local function chain_mask(names)
    local mask = 0
    for _, name in ipairs(names) do
        local m = transform_bit[name]
        if not m then
            return nil
        end
        mask = bor(mask, m)
    end
    return mask
end

-- Hyperscan, when libhs is there (runnerly.waf.hs): ONE database of all the rules (each
-- phrase a literal of its own), in prefilter mode, compiled once per rule set and shared
-- by every route and kind. A value's transformed forms are scanned once each, whatever
-- the number of groups that reach them, and a reported rule is confirmed with its PCRE
-- (or plain find, for phrases) only when the route's plan has it for this kind and its own
-- chain gave that form. Rules Hyperscan refuses run by PCRE on every value of their group.
_M.hyperscan = hs.available()

local databases = setmetatable({}, { __mode = "k" }) -- ruleset -> its database
local refused_why = {}

-- The rules Hyperscan refused (they run by PCRE on every value): id -> why, or nil.
function _M.refused_by_hyperscan()
    return next(refused_why) and refused_why or nil
end

local function database_of(ruleset)
    local built = databases[ruleset]
    if built then
        return built
    end
    local patterns, rule_of = {}, {}
    for _, rule in ipairs(ruleset.rules) do
        if rule.phrases then
            for _, phrase in ipairs(rule.phrases) do
                patterns[#patterns + 1] = { pattern = combine.literal(phrase), options = "jo" }
                rule_of[#patterns] = rule
            end
        else
            patterns[#patterns + 1] = { pattern = rule.pattern, options = rule.options }
            rule_of[#patterns] = rule
        end
    end
    local db, refused, why = hs.compile(patterns)
    local always = {}
    for _, index in ipairs(refused) do
        local rule = rule_of[index]
        always[rule] = true
        refused_why[rule.id] = why[index]
    end
    built = { db = db, rule_of = rule_of, always = always }
    databases[ruleset] = built
    return built
end

-- What scoring a kind through Hyperscan needs: the database, each rule's group in this
-- kind's plan (a rule missing there is not confirmed), and per group the rules refused.
local function scanner_for(ruleset, groups)
    local built = database_of(ruleset)
    local group_of, always_of = {}, {}
    for _, group in ipairs(groups) do
        local list = {}
        for _, rule in ipairs(group.rules) do
            group_of[rule] = group
            if not built.db or built.always[rule] then
                list[#list + 1] = rule
            end
        end
        always_of[group] = list[1] and list or false
    end
    return { db = built.db, rule_of = built.rule_of, group_of = group_of, always_of = always_of,
        by_signature = { n = 0 } }
end

-- For each target kind, the groups of rules (at or below `paranoia`) that look there on a
-- route with these `exceptions`; and the exceptions left to check per item. With
-- `hyperscan` (and libhs there), each kind's rules also get their Hyperscan database.
function _M.plan(ruleset, paranoia, exceptions, hyperscan)
    local by_kind, active, per_item = {}, {}, {}
    assign_byte_bits(ruleset)
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
                        -- nil: the chain never takes the fast path; else the transform
                        -- bits that send a value the full way.
                        group.fast = chain_mask(rule.transform_names)
                        groups.by_chain[rule.chain] = group
                        groups.list[#groups.list + 1] = group
                    end
                    group.rules[#group.rules + 1] = rule
                end
            end
        end
    end
    local plan = { rules = active, kinds = {}, exceptions = per_item }
    local scanners = hyperscan and _M.hyperscan and {}
    for kind, groups in pairs(by_kind) do
        plan.kinds[kind] = groups.list
        for _, group in ipairs(groups.list) do
            group.combined, group.not_combined = combine.pattern(group.rules)
            group.combined = group.combined or false
            group.excepted_combined = {}
        end
        if scanners then
            scanners[kind] = scanner_for(ruleset, groups.list)
        end
    end
    plan.scanners = scanners
    return plan
end

-- Each transform's output per input, for one request (emptied when score() is done):
-- transforms are pure, and chains that differ only by transforms that changed nothing
-- ("url_decode,js_escapes,unicode_fold,..." and "url_decode,unicode_fold,..." on a value
-- without escapes) reach the same string, so each transform runs once per distinct input.
-- The tables stay allocated from request to request: no garbage per item.
local memo = {}
for _, fn in pairs(normalize.transforms) do
    memo[fn] = {}
end

local function forget()
    for _, outputs in pairs(memo) do
        clear(outputs)
    end
end

-- The item's value through the group's transforms. Decoders have nothing to undo in a
-- plain value (no %, &, \, NUL or byte above 127).
local function transformed(item, group)
    local value = item.value
    local plain = item.plain
    if plain == nil then
        plain = not has_escapes(value)
        item.plain = plain
    end
    local transforms = group.transforms
    for i = 1, #transforms do
        local fn = transforms[i]
        if not (plain and DECODERS[fn]) then
            local outputs = memo[fn]
            local out = outputs[value]
            if out == nil then
                out = fn(value)
                outputs[value] = out
            end
            value = out
        end
    end
    return value
end

-- The exceptions that name this item's field (checked once per item and kind), or false.
-- What a kind, field and path give is the same on every request: kept per exception list
-- (that is, per plan), up to EXCEPTIONS_KEPT entries before starting afresh (field names
-- come from clients).
local EXCEPTIONS_KEPT = 4096
local exceptions_kept = setmetatable({}, { __mode = "k" })

local function lookup_exceptions(exceptions, kind, item)
    local kept = exceptions_kept[exceptions]
    if not kept or kept.n >= EXCEPTIONS_KEPT then
        kept = { n = 0 }
        exceptions_kept[exceptions] = kept
    end
    local by_field = kept[kind]
    if not by_field then
        by_field = {}
        kept[kind] = by_field
    end
    local by_path = by_field[item.field]
    if not by_path then
        by_path = {}
        by_field[item.field] = by_path
    end
    local found = by_path[item.path]
    if found == nil then
        found = exceptions_m.for_item(exceptions, kind, item) or false
        if found then
            local ids = {}
            for i, ex in ipairs(found) do
                ids[i] = ex.id
            end
            found.key = concat(ids, "\0")
        end
        by_path[item.path] = found
        kept.n = kept.n + 1
    end
    return found
end

local function exceptions_for(item, kind, exceptions)
    local found = item.excepted -- (an item belongs to one kind)
    if found == nil then
        found = lookup_exceptions(exceptions, kind, item)
        item.excepted = found
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

-- The rules of a group that are still to run on the item, one by one.
local function run_rules(rules, value, kind, item, excepted, hits)
    for _, rule in ipairs(rules) do
        if not hits[rule]
            and not (excepted and exception_skips(excepted, rule))
            and matches(rule, value)
        then
            hits[rule] = kind .. ":" .. item.path
        end
    end
end

-- The group's combined regex for an item: its own, or, for an item some exceptions cover,
-- the alternation of the rules they leave on (a polyline's "|" and "`" would otherwise hit
-- the command rules' alternation on every request). Built the first time a worker meets
-- this set of exceptions on this group, then kept; false when fewer than two rules are
-- left or they do not combine.
local function combined_for(group, excepted)
    if not excepted then
        return group.combined
    end
    local by_key = group.excepted_combined
    local combined = by_key[excepted.key]
    if combined == nil then
        local kept = {}
        for _, rule in ipairs(group.rules) do
            if not exception_skips(excepted, rule) then
                kept[#kept + 1] = rule
            end
        end
        combined = combine.pattern(kept) or false
        by_key[excepted.key] = combined
    end
    return combined
end

-- The item's signature (its trigger bytes' bits) and its transform bits, once per item;
-- nil for a long value.
local function signature(item, max)
    local sig = item.signature
    if sig == nil then
        local value = item.value
        local n = #value
        if n > (max or SIGNATURE_MAX) then
            sig = false
        else
            local tm = 0
            sig = 0
            for i = 1, n do
                local b = str_byte(value, i)
                sig = bor(sig, byte_bits[b])
                tm = bor(tm, transform_bits[b])
            end
            item.transform_bits = tm
        end
        item.signature = sig
    end
    return sig
end

-- What the group runs on values of this signature: the rules whose trigger sets it meets
-- (or that have none), and their alternation; false when none is left.
local function for_signature(group, sig)
    local by_sig = group.by_signature
    if not by_sig then
        by_sig = { n = 0 }
        group.by_signature = by_sig
    end
    local entry = by_sig[sig]
    if entry == nil then
        local kept = {}
        for _, rule in ipairs(group.rules) do
            local mask = rule.trigger_mask
            if not mask or band(mask, sig) ~= 0 then
                kept[#kept + 1] = rule
            end
        end
        if kept[1] then
            entry = { rules = kept, combined = combine.pattern(kept) or false }
        else
            entry = false
        end
        if by_sig.n >= BY_SIGNATURE_MAX then
            by_sig = { n = 0 }
            group.by_signature = by_sig
        end
        by_sig[sig] = entry
        by_sig.n = by_sig.n + 1
    end
    return entry
end

-- The group's rules that still run on the item (the rules of `entry`, or all for true).
local function run_entry(group, entry, kind, item, hits)
    local value = transformed(item, group)
    if value ~= "" then
        if entry == true then
            local combined = #value <= COMBINE_MAX and group.combined
            if not combined or may_match(combined, value) then
                run_rules(group.rules, value, kind, item, false, hits)
            end
        else
            local combined = #value <= COMBINE_MAX and entry.combined
            if not combined or may_match(combined, value) then
                run_rules(entry.rules, value, kind, item, false, hits)
            end
        end
    end
end

-- For a kind and a signature of a value without transform trigger bytes: the groups to
-- run and what of each (group, entry, group, entry, ...), so such a value skips the
-- other groups without looking at them. Kept per plan, kind and signature.
local function fast_groups(plan, kind, groups, sig)
    local by_kind = plan.fast_groups
    if not by_kind then
        by_kind = {}
        plan.fast_groups = by_kind
    end
    local by_sig = by_kind[kind]
    if not by_sig then
        by_sig = { n = 0 }
        by_kind[kind] = by_sig
    end
    local list = by_sig[sig]
    if not list then
        list = {}
        for _, group in ipairs(groups) do
            local entry = true
            if group.fast then
                entry = for_signature(group, sig)
            end
            if entry then
                list[#list + 1] = group
                list[#list + 1] = entry
            end
        end
        if by_sig.n >= BY_SIGNATURE_MAX then
            by_sig = { n = 0 }
            by_kind[kind] = by_sig
        end
        by_sig[sig] = list
        by_sig.n = by_sig.n + 1
    end
    return list
end

local function run_group(group, kind, list, exceptions, hits)
    local rules = group.rules
    for _, item in ipairs(list) do
        local excepted = exceptions[1] and exceptions_for(item, kind, exceptions)
        if not item.fast_done and wanted(rules, hits, excepted) then
            -- The fast path: a value (without exceptions on it) whose bytes the chain's
            -- transforms do not react to meets only the rules its bytes may trigger.
            local entry = true
            local fast = not excepted and group.fast
            if fast then
                local sig = signature(item)
                if sig and band(item.transform_bits, fast) == 0 then
                    entry = for_signature(group, sig)
                end
            end
            if entry == true then
                local value = transformed(item, group)
                if value ~= "" then
                    local combined = #value <= COMBINE_MAX and combined_for(group, excepted)
                    if not combined or may_match(combined, value) then
                        run_rules(rules, value, kind, item, excepted, hits)
                    end
                end
            elseif entry then
                local value = transformed(item, group)
                if value ~= "" then
                    local combined = #value <= COMBINE_MAX and entry.combined
                    if not combined or may_match(combined, value) then
                        run_rules(entry.rules, value, kind, item, excepted, hits)
                    end
                end
            end
        end
    end
end

-- One item of `kind` through Hyperscan: the groups left for it (by the prefilter on plain
-- values, else all whose rules are still wanted) give their transformed values; each
-- distinct value is scanned once with the kind's database, and a reported rule is
-- confirmed only where its own group's value is that one.
local scan = hs.scan
local hs_any = hs.any
local group_value = {}   -- group -> the item's value through its chain (this item only)
local distinct = {}      -- the item's distinct transformed values

local function confirm(rule, value, kind, item, excepted, hits)
    if not hits[rule]
        and not (excepted and exception_skips(excepted, rule))
        and matches(rule, value)
    then
        hits[rule] = kind .. ":" .. item.path
    end
end

-- The groups with a rule a value of this signature may trigger, per scanner, signature
-- and transform bits: a group whose chain reacts to none of the value's transform bytes
-- is left out when its rules' trigger bytes are all missing from the value; the others
-- stay (their transforms may create such bytes).
local function groups_for_signature(scanner, groups, sig, tbits)
    local by_sig = scanner.by_signature
    local key = sig * 65536 + tbits
    local list = by_sig[key]
    if not list then
        list = {}
        for _, group in ipairs(groups) do
            local fast = group.fast
            local keep = not fast or band(tbits, fast) ~= 0
            if not keep then
                for _, rule in ipairs(group.rules) do
                    local mask = rule.trigger_mask
                    if not mask or band(mask, sig) ~= 0 then
                        keep = true
                        break
                    end
                end
            end
            if keep then
                list[#list + 1] = group
            end
        end
        if by_sig.n >= BY_SIGNATURE_MAX then
            by_sig = { n = 0 }
            scanner.by_signature = by_sig
        end
        by_sig[key] = list
        by_sig.n = by_sig.n + 1
    end
    return list
end

-- Whether the group has a rule the item's exceptions leave on: kept per group and set of
-- exceptions (they are the same from request to request).
local function left_on(group, excepted)
    local by_key = group.left_on
    if not by_key then
        by_key = {}
        group.left_on = by_key
    end
    local on = by_key[excepted.key]
    if on == nil then
        on = false
        for _, rule in ipairs(group.rules) do
            if not exception_skips(excepted, rule) then
                on = true
                break
            end
        end
        by_key[excepted.key] = on
    end
    return on
end

local function scan_item(scanner, groups, kind, item, exceptions, hits)
    local excepted = exceptions[1] and exceptions_for(item, kind, exceptions)
    -- (Exceptions only switch rules off: the groups a signature leaves hold every rule
    -- that may match, excepted or not.)
    local todo = groups
    local sig = signature(item, SIGNATURE_MAX_HS)
    if sig then
        todo = groups_for_signature(scanner, groups, sig, item.transform_bits)
    end
    local n = 0
    local always_of = scanner.always_of
    -- Until a rule has matched, a group is wanted unless the item's exceptions switch all
    -- its rules off; after, rules already matched elsewhere need not run again.
    local any_hit = next(hits) ~= nil
    for i = 1, #todo do
        local group = todo[i]
        local want
        if any_hit then
            want = wanted(group.rules, hits, excepted)
        else
            want = not excepted or left_on(group, excepted)
        end
        if want then
            local value = transformed(item, group)
            if value ~= "" then
                group_value[group] = value
                local seen = false
                for j = 1, n do
                    if distinct[j] == value then
                        seen = true
                        break
                    end
                end
                if not seen then
                    n = n + 1
                    distinct[n] = value
                end
                local always = always_of[group]
                if always then
                    run_rules(always, value, kind, item, excepted, hits)
                end
            end
        end
    end
    local db = scanner.db
    if db then
        local rule_of, group_of = scanner.rule_of, scanner.group_of
        for j = 1, n do
            local value = distinct[j]
            -- Benign values mostly match nothing: one scan that stops at the first match
            -- says so without calling back into Lua; the ids only when it found one.
            local any, err = hs_any(db, value)
            local found, ids = 0, err
            if any then
                found, ids = scan(db, value)
            elseif any == nil then
                found = nil
            end
            if found then
                for k = 1, found do
                    local rule = rule_of[ids[k]]
                    if group_value[group_of[rule]] == value then
                        confirm(rule, value, kind, item, excepted, hits)
                    end
                end
            else
                -- The scan failed (it should not): every rule of these groups by PCRE.
                ngx.log(ngx.WARN, "waf: ", ids, "; checking the rules one by one")
                for i = 1, #todo do
                    local group = todo[i]
                    if group_value[group] == value then
                        run_rules(group.rules, value, kind, item, excepted, hits)
                    end
                end
            end
        end
    end
    clear(group_value)
end

-- Without Hyperscan: group by group, each group's rules through the prefilter, their
-- alternation on short values, then one by one (decision 66).
local function score_pcre(plan, items, hits)
    local exceptions = plan.exceptions
    for kind, groups in pairs(plan.kinds) do
        local list = items[kind]
        if list then
            -- Values no exception covers and without a byte any transform reacts to (most
            -- benign ones) go item by item through the groups their signature leaves.
            local rest = false
            for _, item in ipairs(list) do
                local excepted = exceptions[1] and exceptions_for(item, kind, exceptions)
                local sig = not excepted and signature(item)
                if sig and item.transform_bits == 0 then
                    local todo = fast_groups(plan, kind, groups, sig)
                    for i = 1, #todo, 2 do
                        run_entry(todo[i], todo[i + 1], kind, item, hits)
                    end
                    item.fast_done = true
                else
                    rest = true
                end
            end
            if rest then
                for _, group in ipairs(groups) do
                    run_group(group, kind, list, exceptions, hits)
                end
            end
        end
    end
end

-- Scores `items` with a route's `plan`. Returns the score, the matched rule ids in rule
-- order, and "kind:path" of where each one matched.
function _M.score(plan, items)
    local hits = {}
    local scanners = plan.scanners
    if scanners then
        local exceptions = plan.exceptions
        for kind, groups in pairs(plan.kinds) do
            local list = items[kind]
            if list then
                local scanner = scanners[kind]
                for _, item in ipairs(list) do
                    scan_item(scanner, groups, kind, item, exceptions, hits)
                end
            end
        end
    else
        score_pcre(plan, items, hits)
    end
    -- (Were a transform to raise, the outputs kept would still be right, only held longer.)
    forget()
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
