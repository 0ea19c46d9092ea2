-- Request ids: keep a well-formed incoming X-Request-ID or make one, the same rule as
-- runnerly_common.requestid so that an id survives every hop unchanged.
--
-- The id lives in the nginx variable $gw_request_id (declared in the server block), not in
-- ngx.ctx: variables survive the jump to an error_page location, ngx.ctx does not, and
-- nginx's $request_id is a new random value each time it is read.

local ngx = ngx
local ngx_var = ngx.var
local type = type

local _M = { _VERSION = "0.1.0" }

local MIN_LENGTH = 8
local MAX_LENGTH = 128


-- Letters, digits and . _ : - only: enough for UUIDs and hex ids, nothing that could
-- forge a log line or a header.
function _M.is_well_formed(value)
    if type(value) ~= "string" then
        return false
    end
    local length = #value
    if length < MIN_LENGTH or length > MAX_LENGTH then
        return false
    end
    return not value:find("[^%w._:-]")
end


-- The request's id, decided on first use and kept for the rest of the request.
function _M.get()
    local id = ngx_var.gw_request_id
    if id and id ~= "" then
        return id
    end
    local incoming = ngx_var.http_x_request_id
    if _M.is_well_formed(incoming) then
        id = incoming
    else
        id = ngx_var.request_id  -- 32 hex digits from nginx's random source
    end
    ngx_var.gw_request_id = id
    return id
end


return _M
