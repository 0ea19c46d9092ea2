-- Upstream groups whose servers are names, resolved while nginx runs: compose gives a
-- recreated or scaled container a new address under the same name, and nginx's own
-- upstreams would keep the address they found at start (502 until a restart).
--
-- Each worker keeps each group's addresses for `valid` seconds (GATEWAY_RESOLVER_VALID),
-- asks the resolver again on the first request after that (in the access phase, where
-- sockets work), and the balancer picks among them round robin, trying the next one on a
-- failure like nginx's own round robin. An answer that fails keeps the last addresses
-- (a DNS hiccup must not take a healthy service away) and is asked again a second later.
--
--   upstream web {
--       server 0.0.0.1:1;   # placeholder
--       balancer_by_lua_block { require("runnerly.upstreams").balance("web") }
--       keepalive 16;       # pools connections per address the balancer picks
--   }
--   access: require("runnerly.upstreams").refresh("web")   -- before proxying

local balancer = require "ngx.balancer"
local dns = require "runnerly.dns"

local ngx = ngx
local ngx_now = ngx.now
local ngx_log = ngx.log
local ngx_WARN = ngx.WARN
local ngx_ERR = ngx.ERR
local error = error
local ipairs = ipairs
local pairs = pairs
local concat = table.concat

local _M = { _VERSION = "0.1.0" }

local RETRY_AFTER_FAILURE = 1  -- seconds before a failed name is asked again

local nameservers, valid, timeout = {}, 5, 1
-- name -> {servers = {{host, port}, ...}, peers = {{address, port}, ...}, expires, next,
-- busy, failure}
local groups = {}
local any_group = false


local function is_address(host)
    return host:find("^%d+%.%d+%.%d+%.%d+$") ~= nil or host:sub(1, 1) == "["
end


-- conf.upstreams: name -> {{host, port}, ...}; conf.resolver: {nameservers, valid, timeout}.
function _M.init(conf)
    local resolver = conf.resolver or {}
    nameservers = resolver.nameservers or {}
    valid = resolver.valid or valid
    timeout = resolver.timeout or timeout
    groups, any_group = {}, false
    for name, servers in pairs(conf.upstreams or {}) do
        groups[name] = { servers = servers, peers = nil, expires = 0, next = 0 }
        any_group = true
    end
end


-- Whether any group is resolved while nginx runs (else refresh() has nothing to do).
function _M.dynamic()
    return any_group
end


local function resolve(group)
    local peers, failures = {}, {}
    for _, server in ipairs(group.servers) do
        local host, port = server[1], server[2]
        if is_address(host) then
            -- "[::1]" in an upstream setting; the balancer takes the bare address.
            peers[#peers + 1] = { host:gsub("^%[(.*)%]$", "%1"), port }
        else
            local addresses, err = dns.query_a(host, nameservers, timeout)
            if addresses then
                for _, address in ipairs(addresses) do
                    peers[#peers + 1] = { address, port }
                end
            else
                failures[#failures + 1] = host .. ": " .. err
            end
        end
    end
    return peers, failures
end


-- Make sure the group's addresses are fresh; false and a reason when it has none at all.
function _M.refresh(name)
    local group = groups[name]
    if not group then
        return true  -- a static group, or none: nginx's own upstream
    end
    local now = ngx_now()
    if now < group.expires or (group.busy and group.peers) then
        -- Fresh, or another request of this worker is asking: the last ones, or the last
        -- failure until it is time to ask again.
        if group.peers then
            return true
        end
        return false, group.failure
    end
    group.busy = true
    local peers, failures = resolve(group)
    group.busy = false
    if #failures == 0 then
        group.peers, group.expires = peers, now + valid
        return true
    end
    -- A group of several names keeps the last answer whole rather than lose a server.
    group.expires = now + RETRY_AFTER_FAILURE
    local reason = "cannot resolve upstream " .. name .. ": " .. concat(failures, "; ")
    if group.peers then
        ngx_log(ngx_WARN, reason, " (keeping the last addresses)")
        return true
    end
    if #peers > 0 then
        group.peers = peers
        ngx_log(ngx_WARN, reason)
        return true
    end
    ngx_log(ngx_ERR, reason)
    group.failure = reason
    return false, reason
end


-- balancer_by_lua: the next address, round robin; on a retry, the one after.
function _M.balance(name)
    local group = groups[name]
    local peers = group and group.peers
    if not peers or #peers == 0 then
        error("upstream " .. name .. " has no address: the access phase did not resolve it")
    end
    if not balancer.get_last_failure() and #peers > 1 then
        -- nginx's proxy_next_upstream (error, timeout) then tries each address once.
        balancer.set_more_tries(#peers - 1)
    end
    group.next = group.next % #peers + 1
    local peer = peers[group.next]
    local ok, err = balancer.set_current_peer(peer[1], peer[2])
    if not ok then
        error("upstream " .. name .. ": " .. err)
    end
end


-- For tests and /readyz: the addresses in use, or nil.
function _M.peers(name)
    local group = groups[name]
    return group and group.peers
end


return _M
