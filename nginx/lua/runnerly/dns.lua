-- A DNS client for A records over UDP, enough to follow compose's service names.
-- OpenResty bundles lua-resty-dns, Debian does not package it, and the gateway runs the same
-- Lua on both; a question for one name's IPv4 addresses is a few dozen lines.
--
--   local dns = require "runnerly.dns"
--   local addresses, err = dns.query_a("runnerly-web", {{"127.0.0.11", 53}}, 1)
--   -- {"172.18.0.5", ...} or nil, "why"
--
-- Only where cosockets work (access, content, timers): not in the balancer phase.

local bit = require "bit"

local ngx = ngx
local udp = ngx.socket.udp
local band = bit.band
local rshift = bit.rshift
local char = string.char
local byte = string.byte
local concat = table.concat
local ipairs = ipairs
local math_random = math.random
local math_randomseed = math.randomseed

local _M = { _VERSION = "0.1.0" }

local TYPE_A = 1
local CLASS_IN = 1
local RCODES = {
    [1] = "format error", [2] = "server failure", [3] = "no such name",
    [4] = "not implemented", [5] = "refused",
}

local seeded = false


local function u16(value)
    return char(rshift(value, 8), band(value, 0xff))
end


local function read_u16(data, pos)
    local high, low = byte(data, pos, pos + 1)
    return high * 256 + low
end


local function question(id, name)
    local parts = { u16(id), u16(0x0100), u16(1), u16(0), u16(0), u16(0) }  -- recursion desired
    for label in name:gmatch("[^.]+") do
        parts[#parts + 1] = char(#label) .. label
    end
    parts[#parts + 1] = "\0" .. u16(TYPE_A) .. u16(CLASS_IN)
    return concat(parts)
end


-- The position after a (possibly compressed) name, or nil when it runs off the packet.
local function skip_name(data, pos)
    while true do
        local length = byte(data, pos)
        if not length then
            return nil
        end
        if length == 0 then
            return pos + 1
        end
        if length >= 0xc0 then  -- a pointer ends the name
            return pos + 2
        end
        pos = pos + length + 1
    end
end


local function parse(data, id)
    if #data < 12 or read_u16(data, 1) ~= id then
        return nil, "malformed answer"
    end
    local rcode = band(read_u16(data, 3), 0x0f)
    if rcode ~= 0 then
        return nil, RCODES[rcode] or ("error " .. rcode)
    end
    local questions, answers = read_u16(data, 5), read_u16(data, 7)
    local pos = 13
    for _ = 1, questions do
        pos = skip_name(data, pos)
        if not pos then
            return nil, "malformed answer"
        end
        pos = pos + 4
    end
    local addresses = {}
    for _ = 1, answers do
        pos = skip_name(data, pos)
        if not pos or pos + 10 > #data + 1 then
            return nil, "malformed answer"
        end
        local rtype, length = read_u16(data, pos), read_u16(data, pos + 8)
        pos = pos + 10
        -- CNAMEs come with the A records they lead to: only those are kept.
        if rtype == TYPE_A and length == 4 and pos + 3 <= #data then
            addresses[#addresses + 1] = concat({ byte(data, pos, pos + 3) }, ".")
        end
        pos = pos + length
    end
    if #addresses == 0 then
        return nil, "no address"
    end
    return addresses
end


local function ask(server, name, timeout)
    local sock = udp()
    sock:settimeout(timeout * 1000)
    local ok, err = sock:setpeername(server[1], server[2])
    if not ok then
        return nil, err
    end
    local id = math_random(0, 0xffff)
    ok, err = sock:send(question(id, name))
    if not ok then
        sock:close()
        return nil, err
    end
    local data
    data, err = sock:receive()
    sock:close()
    if not data then
        return nil, err
    end
    return parse(data, id)
end


-- The name's IPv4 addresses from the first server that answers (each within `timeout`
-- seconds), or nil and the last server's error.
function _M.query_a(name, servers, timeout)
    if not seeded then
        -- Each worker its own query ids.
        math_randomseed(ngx.now() * 1000 + ngx.worker.pid())
        seeded = true
    end
    local addresses, err
    for _, server in ipairs(servers) do
        addresses, err = ask(server, name, timeout)
        if addresses then
            return addresses
        end
        err = server[1] .. ":" .. server[2] .. ": " .. (err or "no answer")
    end
    return nil, err or "no DNS server"
end


return _M
