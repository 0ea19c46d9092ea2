-- A leaky bucket in a lua_shared_dict: nginx's limit_req algorithm, with the interface of
-- lua-resty-limit-traffic's resty.limit.req (which Debian does not package).
--
-- Each key holds its excess (in milli-requests) and when it was last updated (ms). A
-- request adds 1000 to the excess after the time since the last one has leaked
-- rate * elapsed away; above `burst` the request is rejected and nothing is stored.
--
-- Synopsis:
--   local bucket = leaky_bucket.new("gateway_limit_req", 10, 20)   -- 10 r/s, burst 20
--   local delay, excess_or_err, retry_after = bucket:incoming(key, true)
--   if not delay then ... excess_or_err == "rejected", retry after `retry_after` s ... end
--
-- Like resty.limit.req, a check and its store are two shared-dict calls: two workers
-- serving the same key at the same instant may both pass on one slot.

local ffi = require "ffi"

local ngx = ngx
local ngx_now = ngx.now
local ngx_shared = ngx.shared
local ffi_cast = ffi.cast
local ffi_string = ffi.string
local math_abs = math.abs
local math_ceil = math.ceil
local math_max = math.max
local setmetatable = setmetatable
local tonumber = tonumber
local type = type

local _M = { _VERSION = "0.1.0" }
local mt = { __index = _M }

if not pcall(ffi.typeof, "struct runnerly_leaky_bucket") then
    ffi.cdef [[
        struct runnerly_leaky_bucket {
            uint64_t excess;  /* milli-requests above the rate */
            uint64_t last;    /* ms since the epoch */
        };
    ]]
end
local record_ptr_t = ffi.typeof("const struct runnerly_leaky_bucket *")
local record_size = ffi.sizeof("struct runnerly_leaky_bucket")
local record = ffi.new("struct runnerly_leaky_bucket")  -- reused: workers do not share it


-- rate: requests per second (fractions allowed: 0.5 is 30 r/m); burst: requests.
function _M.new(dict_name, rate, burst)
    local dict = ngx_shared[dict_name]
    if not dict then
        return nil, "shared dict not found: " .. tostring(dict_name)
    end
    if type(rate) ~= "number" or rate <= 0 then
        return nil, "rate must be a positive number"
    end
    if type(burst) ~= "number" or burst < 0 then
        return nil, "burst must be 0 or more"
    end
    local self = {
        dict = dict,
        rate = rate * 1000,    -- milli-requests per second
        burst = burst * 1000,  -- milli-requests
    }
    -- A key left alone this long has leaked to zero: the entry can go.
    self.ttl = math_ceil((self.burst + 1000) / self.rate) + 1
    return setmetatable(self, mt)
end


-- Returns delay (seconds this request would wait to keep the rate exactly) and the excess
-- in requests; or nil, "rejected", seconds until a request fits again; or nil, error.
-- commit=false checks without counting the request. now_ms overrides the clock (tests).
function _M.incoming(self, key, commit, now_ms)
    local dict, rate, burst = self.dict, self.rate, self.burst
    local now = now_ms or ngx_now() * 1000
    local excess = 0

    local stored = dict:get(key)
    if stored then
        if type(stored) ~= "string" or #stored ~= record_size then
            return nil, "not a leaky bucket entry: " .. key
        end
        local previous = ffi_cast(record_ptr_t, stored)
        local elapsed = math_abs(now - tonumber(previous.last))
        excess = math_max(tonumber(previous.excess) - rate * elapsed / 1000 + 1000, 0)
        if excess > burst then
            return nil, "rejected", (excess - burst) / rate
        end
    end

    if commit then
        record.excess = excess
        record.last = now
        local ok, err = dict:set(key, ffi_string(record, record_size), self.ttl)
        if not ok then
            return nil, err
        end
    end

    return excess / rate, excess / 1000
end


return _M
