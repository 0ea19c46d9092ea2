-- JSON error bodies, {code, message, request_id}, like every service behind the gateway:
-- for the gateway's own refusals (429) and for the errors nginx itself produces (413,
-- 502, 504, ...), which reach from_status() through error_page.

local cjson = require "cjson.safe"
local security = require "runnerly.headers"
local requestid = require "runnerly.requestid"

local ngx = ngx
local pairs = pairs
local tonumber = tonumber

local _M = { _VERSION = "0.1.0" }

-- status -> code, message (the status sent, when it differs: nginx's 494 is a 400).
local BY_STATUS = {
    [400] = { "bad_request", "The request could not be understood." },
    [404] = { "not_found", "There is nothing at this address." },
    [405] = { "method_not_allowed", "This method is not allowed here." },
    [408] = { "request_timeout", "The request took too long to arrive." },
    [413] = { "payload_too_large", "The request body is larger than this address accepts." },
    [414] = { "uri_too_long", "The address is too long." },
    [494] = { "headers_too_large", "The request headers are too large.", 400 },
    [500] = { "internal_error", "The gateway failed to handle the request." },
    [501] = { "not_implemented", "This Transfer-Encoding is not supported: send chunked or a Content-Length." },
    [502] = { "bad_gateway", "The service behind this address is not answering." },
    [503] = { "service_unavailable", "The service behind this address is unavailable." },
    [504] = { "gateway_timeout", "The service behind this address took too long to answer." },
    [505] = { "http_version_not_supported", "This HTTP version is not supported: send HTTP/1.1." },
}


-- The status and headers of a JSON answer the gateway makes itself (the WAF's too): never
-- cached, with the browser protections; `headers` adds e.g. Retry-After.
function _M.start(status, headers)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.header["Cache-Control"] = "no-store"
    security.protect()
    if headers then
        for name, value in pairs(headers) do
            ngx.header[name] = value
        end
    end
end


-- Send the error and end the request; `headers` adds e.g. Retry-After.
function _M.send(status, code, message, headers)
    _M.start(status, headers)
    ngx.print(cjson.encode({ code = code, message = message, request_id = requestid.get() }))
    -- The status line is out already: this only ends the request.
    return ngx.exit(ngx.HTTP_OK)
end


-- The content of the error_page locations: the status nginx was about to send (or the one
-- the location names: nginx reports its 494 as 400), as JSON.
function _M.from_status(status)
    status = status or tonumber(ngx.var.status) or 500
    local entry = BY_STATUS[status] or BY_STATUS[500]
    return _M.send(entry[3] or status, entry[1], entry[2])
end


return _M
