-- Test-only: the WAF's verdict on values the way the engine reaches it (combined patterns,
-- memoized transforms, precompiled regexes) against the plain way (every rule on its own:
-- its whole transform chain, then ngx.re.find with its pattern and options), for
-- tests/test_waf_engine.py. The request body is a JSON object
--   {"route": "api", "kind": "query", "field": "q", "values": ["...", ...]}
-- with each value hex-encoded (any bytes, not only UTF-8), and the answer lists the indexes
-- (from 1) of the values on which the two disagree, with both verdicts ({} when none).

local cjson = require("cjson.safe")
local engine = require("runnerly.waf.engine")
local exceptions_m = require("runnerly.waf.exceptions")
local normalize = require("runnerly.waf.normalize")
local rules_loader = require("runnerly.waf.rules")

local _M = {}

local function reference(plan, kind, item)
    local found = exceptions_m.for_item(plan.exceptions, kind, item)
    local ids = {}
    for _, group in ipairs(plan.kinds[kind] or {}) do
        for _, rule in ipairs(group.rules) do
            if not (found and exceptions_m.skips(found, rule)) then
                local value = rules_loader.apply_transforms(rule.transforms, item.value)
                local hit = false
                if value ~= "" then
                    if rule.phrases then
                        for _, phrase in ipairs(rule.phrases) do
                            hit = hit or value:find(phrase, 1, true) ~= nil
                        end
                    else
                        local from, _, err = ngx.re.find(value, rule.pattern, rule.options)
                        assert(not err, err)
                        hit = from ~= nil
                    end
                end
                if hit then
                    ids[rule.id] = true
                end
            end
        end
    end
    return ids
end

local function same(a, b)
    for k in pairs(a) do
        if not b[k] then
            return false
        end
    end
    for k in pairs(b) do
        if not a[k] then
            return false
        end
    end
    return true
end

local function sorted_keys(set)
    local out = {}
    for k in pairs(set) do
        out[#out + 1] = k
    end
    table.sort(out)
    return out
end

function _M.compare()
    ngx.req.read_body()
    local spec = cjson.decode(ngx.req.get_body_data() or "")
    local conf = require("runnerly.waf").config()
    local plan = conf.routes[spec.route].plan
    local differ, hits = {}, 0
    for i, hex in ipairs(spec.values) do
        local value = hex:gsub("%x%x", function(h)
            return string.char(tonumber(h, 16))
        end)
        local item = { field = spec.field, path = spec.field, value = value }
        local _, ids = engine.score(plan, { [spec.kind] = { item } })
        local optimized = {}
        for _, id in ipairs(ids) do
            optimized[id] = true
        end
        local expected = reference(plan, spec.kind, { field = spec.field, path = spec.field, value = value })
        if next(expected) then
            hits = hits + 1
        end
        if not same(optimized, expected) then
            differ[#differ + 1] = { index = i, engine = sorted_keys(optimized),
                reference = sorted_keys(expected) }
        end
        -- remove_whitespace is written with Lua patterns; its definition is this regex.
        local spaceless = ngx.re.gsub(value, [[(?:\s|\x0b|\xc2\xa0)+]], "", "jo")
        if normalize.remove_whitespace(value) ~= spaceless then
            differ[#differ + 1] = { index = i, engine = { "remove_whitespace" },
                reference = { "regex" } }
        end
    end
    ngx.header["Content-Type"] = "application/json"
    ngx.say(cjson.encode({ differ = differ, hits = hits, jit = conf.pcre_jit,
        direct = require("runnerly.waf.regex").direct, hyperscan = conf.hyperscan }))
    return ngx.exit(200)
end

return _M
