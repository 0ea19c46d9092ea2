-- Who is limited, by which bucket: the access-phase rate and concurrency policy.
--
-- Request rate: one leaky bucket per route class and client address; on the classes keyed
-- by subject (limits.json's `key`: the routes that take bearer tokens), when the request
-- carries a JWT bearer, per class, address and the token's subject instead, so that
-- several runners behind one address (an office, a phone carrier's NAT) each get their
-- own allowance. The subject is read without verifying the token: it only picks a bucket,
-- and because anyone can forge one, the address as a whole also has a bucket worth
-- `address_factor` subjects. Concurrency: requests in flight per client address.
-- Limits come from gateway.json (rendered from config/limits.json).

local cjson = require "cjson.safe"
local base64 = require "ngx.base64"
local concurrency = require "runnerly.ratelimit.concurrency"
local errors = require "runnerly.errors"
local leaky_bucket = require "runnerly.ratelimit.leaky_bucket"

local ngx = ngx
local ngx_var = ngx.var
local ngx_sleep = ngx.sleep
local ngx_log = ngx.log
local ngx_ERR = ngx.ERR
local decode_base64url = base64.decode_base64url
local json_decode = cjson.decode
local math_ceil = math.ceil
local math_max = math.max
local error = error
local next = next
local pairs = pairs
local tostring = tostring
local type = type

local _M = { _VERSION = "0.1.0" }

local REQ_DICT = "gateway_limit_req"
local CONN_DICT = "gateway_limit_conn"
local MAX_SUBJECT = 128
local MAX_PAYLOAD = 4096  -- base64url characters: a token payload, not a novel

local PASS = { decision = "pass" }
local classes = {}  -- route class -> { one = bucket, address = bucket }
local in_flight     -- concurrency limiter


local function bucket(rate, burst, delay)
    local lim, err = leaky_bucket.new(REQ_DICT, rate, burst)
    if not lim then
        error("rate limit: " .. err)
    end
    lim.delay_threshold = delay * 1000  -- milli-requests accepted without waiting
    return lim
end


function _M.init(conf)
    local factor = conf.address_factor or 1
    for name, spec in pairs(conf.classes) do
        classes[name] = {
            one = bucket(spec.rate, spec.burst, spec.delay),
            -- `factor` subjects each at their full allowance, all at once, fit.
            by_subject = spec.by_subject == true,
            address = bucket(
                spec.rate * factor,
                (spec.burst + 1) * factor - 1,
                (spec.delay + 1) * factor - 1
            ),
        }
    end
    local c = conf.concurrency
    local err
    in_flight, err = concurrency.new(CONN_DICT, c.max, c.burst, c.unit_delay)
    if not in_flight then
        error("concurrency limit: " .. err)
    end
end


-- Whether init() has set the limits up (for the status server's /readyz).
function _M.loaded()
    return in_flight ~= nil and next(classes) ~= nil
end


-- The `sub` claim of a token payload (base64url), unverified; false when it has none.
local function subject_of(payload)
    local claims = json_decode(decode_base64url(payload) or "")
    if type(claims) ~= "table" then
        return false
    end
    local sub = claims.sub
    if type(sub) == "number" then
        sub = tostring(sub)
    end
    if type(sub) ~= "string" or sub == "" or #sub > MAX_SUBJECT then
        return false
    end
    return sub
end


-- A client sends the same token until it expires: each worker remembers the subjects of
-- the (usual-sized) payloads it has decoded, and starts afresh past SUBJECTS_KEPT of them.
local SUBJECTS_KEPT = 1024
local KEPT_PAYLOAD = 1024  -- base64url characters: at most 1 MB of payloads per worker
local subjects, subjects_count = {}, 0


-- The `sub` claim of a JWT bearer token, unverified; nil when there is none.
local function bearer_subject()
    local authorization = ngx_var.http_authorization
    if not authorization then
        return nil
    end
    local payload = authorization:match("^[Bb]earer +[%w_-]+%.([%w_-]+)%.[%w_-]*$")
    if not payload or #payload > MAX_PAYLOAD then
        return nil
    end
    local sub = subjects[payload]
    if sub == nil then
        sub = subject_of(payload)
        if #payload > KEPT_PAYLOAD then
            return sub or nil
        end
        if subjects_count >= SUBJECTS_KEPT then
            subjects, subjects_count = {}, 0
        end
        subjects[payload] = sub
        subjects_count = subjects_count + 1
    end
    return sub or nil
end


local function reject(ctx, limit, retry_after)
    local seconds = math_max(1, math_ceil(retry_after))
    ctx.ratelimit = { decision = "reject", limit = limit, retry_after = seconds }
    return errors.send(429, "rate_limited",
        "Too many requests: retry after " .. seconds .. " s.",
        { ["Retry-After"] = seconds })
end


-- A rate bucket said no (or failed): give the concurrency slot back, then answer.
local function refuse(ctx, err, retry_after)
    _M.leave(ctx)
    if err == "rejected" then
        return reject(ctx, "rate", retry_after)
    end
    ngx_log(ngx_ERR, "rate limit: ", err)  -- a broken limiter must not take the site down
end


-- How long a request `excess` milli-requests over the rate waits (nginx's delay=).
local function wait_for(lim, delay_seconds, excess_requests)
    local over = excess_requests * 1000 - lim.delay_threshold
    if over <= 0 then
        return 0
    end
    return delay_seconds * over / (excess_requests * 1000)
end


-- Take a concurrency slot, then charge the rate buckets; a request refused by either costs
-- nothing: its slot is given back, and with two buckets both are checked before either is
-- charged. Sleeps when a limit says to wait; 429 otherwise. `bearer_taken` false: the
-- location's service never takes a bearer, so even a class keyed by subject keys on the
-- address there.
function _M.access(route_class, ctx, bearer_taken)
    local limits = classes[route_class]
    if not limits then
        return
    end
    local address = ngx_var.remote_addr

    local conn_delay, conn_or_err = in_flight:incoming(address, true)
    if not conn_delay then
        if conn_or_err == "rejected" then
            return reject(ctx, "concurrency", 1)
        end
        ngx_log(ngx_ERR, "concurrency limit: ", conn_or_err)
        conn_delay = 0
    else
        ctx.conn_key = address
    end

    local wait = conn_delay
    -- Elsewhere a bearer can only be forged: each forged subject would be a new bucket.
    local subject = limits.by_subject and bearer_taken ~= false and bearer_subject()
    if not subject then
        local lim = limits.one
        local delay, excess_or_err, retry_after = lim:incoming(route_class .. "|" .. address, true)
        if not delay then
            return refuse(ctx, excess_or_err, retry_after)
        end
        wait = math_max(wait, wait_for(lim, delay, excess_or_err))
    else
        local prefix = route_class .. "|" .. address .. "|"
        local one_key, address_key = prefix .. subject, prefix .. "*"
        local one, everyone = limits.one, limits.address
        local delay, err, retry_after = one:incoming(one_key, false)
        if not delay then
            return refuse(ctx, err, retry_after)
        end
        delay, err, retry_after = everyone:incoming(address_key, false)
        if not delay then
            return refuse(ctx, err, retry_after)
        end
        local excess
        delay, excess = one:incoming(one_key, true)
        if delay then
            wait = math_max(wait, wait_for(one, delay, excess))
        end
        delay, excess = everyone:incoming(address_key, true)
        if delay then
            wait = math_max(wait, wait_for(everyone, delay, excess))
        end
    end

    if wait >= 0.001 then
        ctx.ratelimit = { decision = "delay", delay = wait }
        ngx_sleep(wait)
    else
        ctx.ratelimit = PASS
    end
end


-- Log phase: give back the concurrency slot the request took.
function _M.leave(ctx)
    local key = ctx.conn_key
    if key then
        ctx.conn_key = nil
        in_flight:leaving(key)
    end
end


return _M
