-- Request ids: keep a well-formed incoming X-Request-ID or make one, the same rule as
-- runnerly_common.requestid so that an id survives every hop unchanged.
--
-- The id lives in the nginx variable $gw_request_id (declared in the server block), not in
-- ngx.ctx: variables survive the jump to an error_page location, ngx.ctx does not, and
-- nginx's $request_id is a new random value each time it is read.

local bit = require "bit"

local ngx = ngx
local ngx_var = ngx.var
local tohex = bit.tohex
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


-- A new id: 32 hex digits, 24 random per worker (from nginx's $request_id, drawn again
-- every 2^32 ids) and 8 of a counter. Reading $request_id for every request cost an
-- OpenSSL RAND_bytes call and a variable lookup, about 8,000 instructions (decision 73);
-- ids need to be unique, not secret: a client may send any well-formed id of its own.
local prefix, counter = nil, 0
local COUNTER_END = 0xffffffff

local function new_id()
    if not prefix or counter >= COUNTER_END then
        prefix, counter = ngx_var.request_id:sub(1, 24), 0
    end
    counter = counter + 1
    return prefix .. tohex(counter, 8)
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
        id = new_id()
    end
    ngx_var.gw_request_id = id
    return id
end


return _M
