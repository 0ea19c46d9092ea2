-- Loads the WAF's signatures from JSON rule files and checks every one of them.
--
-- A rule file holds one attack class:
--   {"class": "sqli", "description": "...",
--    "defaults": {"targets": [...], "transforms": [...], "score": 5, "paranoia": 1},
--    "rules": [{"id": "200100", "description": "...", "pattern": "...",
--               "examples": {"match": [...], "ignore": [...]}}, ...]}
-- A rule has either a PCRE "pattern" (compiled with ngx.re, options "jo" plus its "flags")
-- or "phrases" (plain substrings). Its "examples" are run through its own transforms
-- and pattern at load time, so a rule that stops matching what it claims to fails the load.
-- Any mistake raises an error naming the file and the rule: nginx then refuses to start.

local cjson = require("cjson.safe")
local normalize = require("runnerly.waf.normalize")
local regex = require("runnerly.waf.regex")

local regex_find = regex.find
local str_find = string.find
local type = type
local ipairs = ipairs
local error = error
local concat = table.concat
local fmt = string.format

local _M = { _VERSION = "0.1.0" }

-- Where a rule may look. "args" and "arg_names" cover the query and the body alike.
local TARGETS = {
    path = true, query = true, query_names = true, body_args = true, body_names = true,
    headers = true, user_agent = true, cookies = true, cookie_names = true, xml = true,
    body = true,
}
local ALIASES = {
    args = { "query", "body_args" },
    arg_names = { "query_names", "body_names" },
}
_M.TARGETS = TARGETS

local TRANSFORMS = normalize.transforms

local function read_json(path)
    local f, err = io.open(path, "rb")
    if not f then
        return nil, err
    end
    local text = f:read("*a")
    f:close()
    local data, jerr = cjson.decode(text)
    if data == nil then
        return nil, fmt("%s: invalid JSON: %s", path, jerr)
    end
    return data
end
_M.read_json = read_json

local function fail(where, msg, ...)
    error(fmt("waf rules: %s: " .. msg, where, ...), 0)
end

local function is_list(v)
    return type(v) == "table" and #v > 0
end

local function expand_targets(where, names)
    if not is_list(names) then
        fail(where, "targets must be a non-empty list")
    end
    local out, seen = {}, {}
    for _, name in ipairs(names) do
        local kinds = ALIASES[name] or { name }
        for _, kind in ipairs(kinds) do
            if not TARGETS[kind] then
                fail(where, "unknown target %q", name)
            end
            if not seen[kind] then
                seen[kind] = true
                out[#out + 1] = kind
            end
        end
    end
    return out
end

-- The chain's functions, its name, and the names of each of its prefixes (the engine
-- caches a value's transforms per prefix).
local function compile_transforms(where, names)
    if type(names) ~= "table" then
        fail(where, "transforms must be a list")
    end
    local fns, prefixes = {}, {}
    for i, name in ipairs(names) do
        local fn = TRANSFORMS[name]
        if not fn then
            fail(where, "unknown transform %q", tostring(name))
        end
        fns[i] = fn
        prefixes[i] = concat(names, ",", 1, i)
    end
    return fns, concat(names, ","), prefixes
end

local function apply_transforms(fns, value)
    for _, fn in ipairs(fns) do
        value = fn(value)
    end
    return value
end
_M.apply_transforms = apply_transforms

-- Whether a rule matches a value that has already been through its transforms.
local function matches(rule, value)
    if rule.phrases then
        for _, phrase in ipairs(rule.phrases) do
            if str_find(value, phrase, 1, true) then
                return true
            end
        end
        return false
    end
    local found, err = regex_find(rule.re, value)
    if err then
        ngx.log(ngx.ERR, "waf rule ", rule.id, ": ", err)
        return false
    end
    return found
end
_M.matches = matches

local function check_examples(where, rule, examples)
    if examples == nil then
        return
    end
    if type(examples) ~= "table" then
        fail(where, "examples must be an object")
    end
    for _, sample in ipairs(examples.match or {}) do
        if not matches(rule, apply_transforms(rule.transforms, sample)) then
            fail(where, "does not match its example %q", sample)
        end
    end
    for _, sample in ipairs(examples.ignore or {}) do
        if matches(rule, apply_transforms(rule.transforms, sample)) then
            fail(where, "matches its counter-example %q", sample)
        end
    end
end

local function build_rule(file, class, defaults, spec, index)
    local where = fmt("%s rule #%d", file, index)
    if type(spec) ~= "table" then
        fail(where, "must be an object")
    end
    local id = spec.id
    if type(id) ~= "string" or not id:find("^%d+$") then
        fail(where, "id must be a string of digits")
    end
    where = fmt("%s rule %s", file, id)
    if type(spec.description) ~= "string" or spec.description == "" then
        fail(where, "needs a description")
    end
    local rule = {
        id = id,
        class = class,
        description = spec.description,
        score = spec.score or defaults.score,
        paranoia = spec.paranoia or defaults.paranoia or 1,
    }
    if type(rule.score) ~= "number" or rule.score < 1 or rule.score > 10 or rule.score % 1 ~= 0 then
        fail(where, "score must be an integer from 1 to 10")
    end
    if type(rule.paranoia) ~= "number" or rule.paranoia < 1 or rule.paranoia > 4 then
        fail(where, "paranoia must be 1 to 4")
    end
    rule.targets = expand_targets(where, spec.targets or defaults.targets)
    rule.transforms, rule.chain, rule.prefixes =
        compile_transforms(where, spec.transforms or defaults.transforms or {})
    rule.transform_names = spec.transforms or defaults.transforms or {}

    if (spec.pattern == nil) == (spec.phrases == nil) then
        fail(where, "needs exactly one of pattern or phrases")
    end
    if spec.pattern ~= nil then
        if type(spec.pattern) ~= "string" or spec.pattern == "" then
            fail(where, "pattern must be a non-empty string")
        end
        local flags = spec.flags or ""
        if type(flags) ~= "string" or not flags:find("^[isxm]*$") then
            fail(where, "flags may only hold i, s, x and m")
        end
        rule.pattern = spec.pattern
        rule.options = "jo" .. flags
        local ok, compiled = pcall(regex.compile, rule.pattern, rule.options)
        if not ok then
            fail(where, "pattern does not compile: %s", compiled)
        end
        rule.re = compiled
    else
        if not is_list(spec.phrases) then
            fail(where, "phrases must be a non-empty list")
        end
        for _, phrase in ipairs(spec.phrases) do
            if type(phrase) ~= "string" or phrase == "" then
                fail(where, "phrases must be non-empty strings")
            end
        end
        rule.phrases = spec.phrases
    end
    check_examples(where, rule, spec.examples)
    rule.examples = spec.examples -- runnerly.waf.combine checks its alternations with them
    return rule
end

local function load_file(path, seen_ids)
    local data, err = read_json(path)
    if not data then
        error("waf rules: cannot read " .. tostring(err), 0)
    end
    local class = data.class
    if type(class) ~= "string" or not class:find("^[%w_]+$") then
        fail(path, "needs a class name")
    end
    if not is_list(data.rules) then
        fail(path, "needs a non-empty rules list")
    end
    local defaults = data.defaults or {}
    local out = {}
    for i, spec in ipairs(data.rules) do
        local rule = build_rule(path, class, defaults, spec, i)
        if seen_ids[rule.id] then
            fail(path, "rule id %s is already used in %s", rule.id, seen_ids[rule.id])
        end
        seen_ids[rule.id] = path
        out[#out + 1] = rule
    end
    return class, out
end

-- Loads the given files (absolute paths) and returns {rules = {...}, classes = {...}}.
function _M.load(paths)
    local seen_ids, all, classes = {}, {}, {}
    for _, path in ipairs(paths) do
        local class, rules = load_file(path, seen_ids)
        if classes[class] then
            fail(path, "class %s is already defined", class)
        end
        classes[class] = #rules
        for _, rule in ipairs(rules) do
            all[#all + 1] = rule
        end
    end
    return { rules = all, classes = classes }
end

return _M
