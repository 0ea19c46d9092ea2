-- One regex per group of rules: the alternation of the group's patterns (and its phrases,
-- as escaped literals), so that a value no rule matches costs one JIT-compiled scan instead
-- of one ngx.re call per rule. A hit says only that some rule of the group matches: the
-- engine then runs the rules one by one, as before, to know which ones.
--
-- The alternation sits in a branch-reset group, (?|...), where every alternative numbers
-- its captures from 1 again: a rule's back-references (\1, \2) keep meaning its own groups.
-- Each rule's flags wrap its own alternative. A group that cannot be combined (the
-- alternation does not compile, or misses an example one of its rules matches) keeps no
-- combined regex, and the engine runs its rules one by one on every value.

local regex = require("runnerly.waf.regex")
local rules_loader = require("runnerly.waf.rules")

local regex_find = regex.find
local ipairs = ipairs
local concat = table.concat
local fmt = string.format
local str_byte = string.byte
local str_gsub = string.gsub

local _M = { _VERSION = "0.1.0" }

-- A phrase as a PCRE literal: every byte but letters and digits escaped (\xHH), so no
-- phrase can end a \Q...\E or open a group.
local function literal(phrase)
    return (str_gsub(phrase, "[^%w]", function(c)
        return fmt("\\x%02x", str_byte(c))
    end))
end
_M.literal = literal

local function alternative(rule)
    if rule.phrases then
        local words = {}
        for i, phrase in ipairs(rule.phrases) do
            words[i] = literal(phrase)
        end
        return "(?:" .. concat(words, "|") .. ")"
    end
    local flags = rule.options:sub(3) -- "jo" .. the rule's flags
    if flags == "" then
        return "(?:" .. rule.pattern .. ")"
    end
    -- Under x a "#" comments out the rest of the line: the newline ends it before the ")".
    return "(?" .. flags .. ":" .. rule.pattern .. "\n)"
end

-- Routes and target kinds share most groups: each set of rules is combined once.
local built = setmetatable({}, { __mode = "k" })

local function build(rules)
    local parts = {}
    for i, rule in ipairs(rules) do
        parts[i] = alternative(rule)
    end
    local ok, combined = pcall(regex.compile, "(?|" .. concat(parts, "|") .. ")", "jo")
    if not ok then
        return nil, combined
    end
    -- Every example a rule matches must hit the alternation too (a cheap proof that the
    -- combination kept each rule's meaning; the tests compare them on generated strings).
    for _, rule in ipairs(rules) do
        for _, sample in ipairs(rule.examples and rule.examples.match or {}) do
            local value = rules_loader.apply_transforms(rule.transforms, sample)
            local found, ferr = regex.find(combined, value)
            if not found then
                return nil, fmt("misses rule %s's example %q%s", rule.id, sample,
                    ferr and (": " .. ferr) or "")
            end
        end
    end
    return combined
end

-- The combined regex of `rules` (all with the same transforms), compiled, or nil and why not.
function _M.pattern(rules)
    if #rules < 2 then
        return nil, "fewer than two rules"
    end
    local ids = {}
    for i, rule in ipairs(rules) do
        ids[i] = rule.id
    end
    local key = concat(ids, ",")
    local by_key = built[rules[1]]
    if not by_key then
        by_key = {}
        built[rules[1]] = by_key
    end
    local entry = by_key[key]
    if not entry then
        local combined, why = build(rules)
        entry = { combined or false, why }
        by_key[key] = entry
    end
    return entry[1] or nil, entry[2]
end

-- Whether some rule of a group whose combined regex is `combined` may match `value`:
-- false only when the alternation found nothing and PCRE did not give up (an error, such
-- as its backtracking limit, sends the value to the rules one by one).
function _M.may_match(combined, value)
    local found, err = regex_find(combined, value)
    if found then
        return true
    end
    if err then
        ngx.log(ngx.WARN, "waf: combined pattern: ", err, "; checking the rules one by one")
        return true
    end
    return false
end

return _M
