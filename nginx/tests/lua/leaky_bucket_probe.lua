-- Test target only: run the leaky bucket over a sequence of clock readings given in the
-- query string, on a fresh key, and answer what it decided for each.
--   GET /_gateway/test/leaky_bucket?rate=2&burst=3&at=0,0,250,1000[&commit=0]
-- -> [{"accepted": true, "delay": 0, "excess": 0}, {"accepted": false, "retry_after": 0.5}...]

local cjson = require "cjson.safe"
local leaky_bucket = require "runnerly.ratelimit.leaky_bucket"

local _M = {}


function _M.run()
    local args = ngx.req.get_uri_args()
    local bucket, err = leaky_bucket.new("gateway_limit_req",
        tonumber(args.rate), tonumber(args.burst))
    if not bucket then
        ngx.status = 400
        ngx.say(cjson.encode({ error = err }))
        return
    end
    local commit = args.commit ~= "0"
    local key = "probe|" .. ngx.var.request_id
    local results = {}
    -- Clock readings are relative to an arbitrary epoch, as ms.
    local epoch = 1700000000000
    for at in tostring(args.at or ""):gmatch("[^,]+") do
        local delay, excess_or_err, retry_after =
            bucket:incoming(key, commit, epoch + tonumber(at))
        if delay then
            results[#results + 1] = { accepted = true, delay = delay, excess = excess_or_err }
        else
            results[#results + 1] = {
                accepted = false, error = excess_or_err, retry_after = retry_after,
            }
        end
    end
    ngx.header["Content-Type"] = "application/json"
    ngx.say(cjson.encode(results))
end


return _M
