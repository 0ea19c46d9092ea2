-- Keep a request's ngx.ctx across internal redirects.
--
-- nginx starts a fresh ngx.ctx when a request jumps to an error_page location (a 502 from
-- a dead upstream, say), but the log phase still needs what the access phase decided: the
-- concurrency slot to give back, the rate-limit and WAF decisions to log. Each worker keeps
-- its requests' tables here under a number that rides in the $gw_ctx_ref variable, which
-- does survive the jump; the log phase releases the entry.

local ngx = ngx
local tonumber = tonumber

local _M = { _VERSION = "0.1.0" }

local in_flight = {}  -- per worker: reference -> ngx.ctx of a request being served
local last_ref = 0


function _M.keep()
    local ctx = ngx.ctx
    if ctx.ref then
        return ctx
    end
    last_ref = last_ref + 1
    in_flight[last_ref] = ctx
    ctx.ref = last_ref
    ngx.var.gw_ctx_ref = last_ref
    return ctx
end


-- The request's ctx as the access phase left it (or the current one if none was kept).
function _M.restore()
    local ctx = ngx.ctx
    if ctx.ref then
        return ctx
    end
    local ref = tonumber(ngx.var.gw_ctx_ref)
    local kept = ref and in_flight[ref]
    if kept then
        ngx.ctx = kept
        return kept
    end
    return ctx
end


function _M.release(ctx)
    if ctx.ref then
        in_flight[ctx.ref] = nil
    end
end


return _M
