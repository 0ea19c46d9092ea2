-- Requests in flight per key, with the interface of lua-resty-limit-traffic's
-- resty.limit.conn: up to `max` pass, the next `burst` pass after a delay that grows with
-- the queue, the rest are rejected. leaving() must follow every committed incoming(), in
-- the log phase, or the slot stays taken.
--
-- Synopsis:
--   local limiter = concurrency.new("gateway_limit_conn", 10, 5, 0.05)
--   local delay, conn_or_err = limiter:incoming(key, true)   -- access phase
--   limiter:leaving(key)                                      -- log phase

local ngx = ngx
local ngx_shared = ngx.shared
local math_floor = math.floor
local setmetatable = setmetatable
local type = type

local _M = { _VERSION = "0.1.0" }
local mt = { __index = _M }


-- unit_delay: seconds a request over `max` waits per `max` requests ahead of it.
function _M.new(dict_name, max, burst, unit_delay)
    local dict = ngx_shared[dict_name]
    if not dict then
        return nil, "shared dict not found: " .. tostring(dict_name)
    end
    if type(max) ~= "number" or max < 1 then
        return nil, "max must be 1 or more"
    end
    return setmetatable({
        dict = dict,
        max = max,
        burst = burst or 0,
        unit_delay = unit_delay or 0,
    }, mt)
end


-- Returns delay (seconds), the number of requests in flight with this one; or nil,
-- "rejected"; or nil, error. commit=false checks without taking a slot.
function _M.incoming(self, key, commit)
    local dict, max = self.dict, self.max
    local conn, err
    if commit then
        conn, err = dict:incr(key, 1, 0)
        if not conn then
            return nil, err
        end
        if conn > max + self.burst then
            dict:incr(key, -1)
            return nil, "rejected"
        end
    else
        conn = (dict:get(key) or 0) + 1
        if conn > max + self.burst then
            return nil, "rejected"
        end
    end
    if conn > max then
        return self.unit_delay * math_floor((conn - 1) / max), conn
    end
    return 0, conn
end


-- Gives the slot back; returns the requests still in flight for the key.
function _M.leaving(self, key)
    local conn, err = self.dict:incr(key, -1)
    if conn and conn < 0 then
        -- More leavings than arrivals (the entry was reset under a request): back to 0.
        self.dict:set(key, 0)
        return 0
    end
    return conn, err
end


return _M
