-- Runnerly's web application firewall: signatures kept as data (nginx/waf/rules/*.json),
-- anomaly scoring against a threshold, per-route modes, method allow-lists and exceptions
-- (nginx/waf/config.json).
--
--   init_by_lua_block   { require("runnerly.waf").init() }          -- or init("/path/config.json")
--   access_by_lua_block { require("runnerly.waf").access("api") }   -- the location's route class
--
-- access() leaves its decision in ngx.ctx.waf = {action = "block"|"detect"|"pass",
-- score = n, rules = {"200100", ...}} for the access log.

local config_loader = require("runnerly.waf.config")
local collect = require("runnerly.waf.collect")
local engine = require("runnerly.waf.engine")
local response = require("runnerly.waf.response")
local hs = require("runnerly.waf.hs")

local ngx = ngx
local pairs = pairs
local concat = table.concat

local _M = { _VERSION = "0.1.0" }

local conf

local function default_config_path()
    local source = debug.getinfo(1, "S").source
    local dir = source:match("^@(.*)/[^/]*$") or "."
    -- this file is nginx/lua/runnerly/waf.lua; the data lives in nginx/waf/
    return dir .. "/../../waf/config.json"
end

-- Whether PCRE JIT is there: true, false, or nil when it cannot be told. ngx.re.opt's
-- "jit_stack_size" hands the size to PCRE's JIT and fails with "no pcre jit support
-- found" when nginx's Lua module or PCRE was built without it; it only works before any
-- regex is cached, so this runs before the rules are compiled. 32 KB is PCRE's own
-- default: the limit the signatures were always run with stays the same.
local JIT_STACK = 32 * 1024

local function pcre_jit()
    local ok_re, ngx_re = pcall(require, "ngx.re")
    if not ok_re then
        return nil
    end
    local ok, err = pcall(ngx_re.opt, "jit_stack_size", JIT_STACK)
    if ok then
        return true
    elseif tostring(err):find("no pcre jit", 1, true) then
        return false
    end
    return nil
end

-- Loads the config and rules once; raises on any mistake so nginx does not start half-armed.
function _M.init(config_path)
    local jit = pcre_jit()
    conf = config_loader.load(config_path or default_config_path())
    conf.pcre_jit = jit
    if jit == false then
        -- Every signature then runs in PCRE's interpreter: about five times the CPU.
        ngx.log(ngx.WARN, "waf: PCRE JIT is not available; the signatures run interpreted")
    end
    local hs_there, hs_why = hs.available()
    if not hs_there then
        -- Every value then meets the rules group by group through PCRE (decision 66):
        -- the same verdicts at about three times the CPU.
        ngx.log(ngx.WARN, "waf: Hyperscan (libhs) is not available (", tostring(hs_why),
            "); the signatures run through PCRE alone")
    elseif conf.hyperscan then
        local refused = engine.refused_by_hyperscan()
        if refused then
            for id, why in pairs(refused) do
                ngx.log(ngx.NOTICE, "waf: Hyperscan refused rule ", id, " (", why,
                    "); it runs through PCRE on every value")
            end
        end
    end
    return conf
end

function _M.config()
    return conf
end

local function log_decision(route, action, score, ids, where)
    local level = conf.log_level
    if not level then
        return
    end
    ngx.log(level, "waf ", action, " route=", route.name, " score=", score,
        " rules=", concat(ids, ","), " at=", concat(where, ","),
        " request_id=", response.request_id())
end

function _M.access(route_class)
    if not conf then
        error("waf.access called before waf.init", 2)
    end
    local route = conf.routes[route_class]
    if not route then
        ngx.log(ngx.WARN, "waf: unknown route class ", tostring(route_class),
            ", using ", conf.default_route)
        route = conf.routes[conf.default_route]
    end

    local method = ngx.req.get_method()
    if not route.methods[method] then
        ngx.ctx.waf = { action = "block", score = 0, rules = {}, reason = "method" }
        return response.method_not_allowed(method, route.allow_header)
    end
    if route.mode == "off" then
        ngx.ctx.waf = { action = "pass", score = 0, rules = {}, mode = "off" }
        return
    end

    local items, verdict, note = collect.request(conf, route)
    if verdict == "reject" then
        ngx.ctx.waf = { action = "block", score = 0, rules = {}, reason = "body_too_large" }
        return response.too_large(route.body.max_inspect_bytes)
    end

    -- Every rule runs, also past the threshold: the log and the 403 name all the evidence.
    local blocking = route.mode == "block"
    local score, ids, where = engine.score(route.plan, items)
    local attack = score >= conf.threshold
    if score == 0 then
        collect.remember_clean(items)
    end
    local action = attack and (blocking and "block" or "detect") or "pass"
    ngx.ctx.waf = { action = action, score = score, rules = ids, mode = route.mode, note = note }

    if attack then
        log_decision(route, action, score, ids, where)
        if blocking then
            return response.forbidden(ids)
        end
    end
end

return _M
