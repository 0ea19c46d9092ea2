-- The WAF's refusals: JSON bodies as every Runnerly service writes them, naming the
-- request id (and the rule ids), never the payload.

local cjson = require("cjson.safe")
local errors = require("runnerly.errors")


local _M = { _VERSION = "0.1.0" }

-- nginx computes $request_id afresh on every read unless the config indexes it, so the
-- first value read is kept for the log line and the response body alike.
local function request_id()
    local ctx = ngx.ctx
    local id = ctx.request_id or ctx.waf_request_id
    if not id then
        id = ngx.var.request_id
        ctx.waf_request_id = id
    end
    return id
end
_M.request_id = request_id

local function send(status, body, headers)
    body.request_id = request_id()
    errors.start(status, headers)
    ngx.say(cjson.encode(body))
    return ngx.exit(status)
end

function _M.forbidden(rule_ids)
    return send(ngx.HTTP_FORBIDDEN, {
        code = "forbidden",
        message = "request blocked by the web application firewall",
        rules = rule_ids,
    })
end

function _M.method_not_allowed(method, allow)
    return send(405, {
        code = "method_not_allowed",
        message = "method " .. method .. " is not allowed here; allowed: " .. allow,
    }, { Allow = allow })
end

-- A route whose config says bodies must be inspected whole refuses larger ones.
function _M.too_large(limit)
    return send(413, {
        code = "payload_too_large",
        message = "request body larger than the " .. limit .. " bytes the firewall inspects on this route",
    })
end

return _M
