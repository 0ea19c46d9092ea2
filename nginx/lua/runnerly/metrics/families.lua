-- What the gateway measures, as data: the metric families /metrics lists (names agreed for
-- every Runnerly service, see docs/operations.md), the histogram buckets, and which refusals
-- count as the gateway's own.

local _M = { _VERSION = "0.1.0" }

_M.DICT = "gateway_metrics"  -- the lua_shared_dict (nginx.conf.j2)

_M.REQUESTS = "runnerly_gateway_requests_total"
_M.REQUEST_DURATION = "runnerly_gateway_request_duration_seconds"
_M.UPSTREAM_DURATION = "runnerly_gateway_upstream_duration_seconds"
_M.REJECTIONS = "runnerly_gateway_rejections_total"

-- Seconds, 5 ms to 10 s: a page or API answer is tens of ms, an import or a slow upstream
-- seconds; the read timeouts (config/limits.json) end at 120 s, beyond the last bucket.
_M.BUCKETS = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 }

-- Exposition order.
_M.LIST = {
    { name = _M.REQUESTS, kind = "counter",
      help = "Requests the public server answered, by route class and status." },
    { name = _M.REQUEST_DURATION, kind = "histogram",
      help = "Seconds from a request's first byte to its response's last, by route class." },
    { name = _M.UPSTREAM_DURATION, kind = "histogram",
      help = "Seconds the services took to answer (every attempt added up), by route class." },
    { name = _M.REJECTIONS, kind = "counter",
      help = "Requests the gateway refused itself, by reason." },
}

-- nginx's stub_status variables, $connections_<state>.
_M.CONNECTIONS = {
    name = "runnerly_gateway_connections",
    help = "Client connections nginx holds, by state (all workers).",
    states = { "active", "reading", "writing", "waiting" },
}

-- ngx.ctx.waf.reason of a WAF refusal -> the rejection's reason ("signature": its rules).
_M.WAF_REASONS = {
    signature = "waf",
    method = "method",
    body_too_large = "body_too_large",
}

-- Statuses nginx sends itself, no service asked, that refuse what the client sent.
_M.NGINX_REFUSALS = {
    ["400"] = "bad_request",
    ["413"] = "body_too_large",
    ["414"] = "bad_request",
    ["501"] = "bad_request",  -- an unknown Transfer-Encoding
    ["505"] = "bad_request",  -- an HTTP version other than 1.x
}

return _M
