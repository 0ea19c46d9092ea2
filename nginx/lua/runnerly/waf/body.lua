-- Reads the request body within the route's budget and splits it into inspectable items:
-- form and multipart fields, JSON strings and keys (recursively), XML documents and raw text.

local cjson = require("cjson.safe")

local type = type
local pairs = pairs
local ipairs = ipairs
local tonumber = tonumber
local str_find = string.find
local str_sub = string.sub
local str_lower = string.lower
local str_match = string.match
local io_open = io.open
local decode_args = ngx.decode_args

local _M = { _VERSION = "0.1.0" }

local json = cjson.new()
-- The walk below has its own depth limit; this one only stops cjson from recursing deeply
-- into a hostile document before we see it.
json.decode_max_depth(128)

-- Reads at most budget bytes of the body. Returns the data (or nil), whether it was cut
-- short, and "reject" when the route refuses bodies it cannot inspect whole.
function _M.read(budget)
    local length = tonumber(ngx.var.content_length)
    if length == 0 or (length == nil and ngx.var.http_transfer_encoding == nil) then
        return nil, false
    end
    local max, oversize = budget.max_inspect_bytes, budget.oversize
    if length and length > max then
        if oversize == "reject" then
            return nil, true, "reject"
        elseif oversize == "skip" then
            return nil, true
        end
    end
    ngx.req.read_body()
    local data = ngx.req.get_body_data()
    if data == nil then
        local file = ngx.req.get_body_file()
        if file == nil then
            return nil, false
        end
        local f = io_open(file, "rb")
        if not f then
            ngx.log(ngx.WARN, "waf: cannot open the spooled request body ", file)
            return nil, true
        end
        data = f:read(max + 1) or ""
        f:close()
    end
    if #data > max then
        if oversize == "reject" then
            return nil, true, "reject"
        elseif oversize == "skip" then
            return nil, true
        end
        return str_sub(data, 1, max), true
    end
    return data, false
end

local function media_type(content_type)
    if not content_type then
        return ""
    end
    return str_lower(str_match(content_type, "^%s*([^;%s]+)") or "")
end
_M.media_type = media_type

local function has_prefix(value, prefixes)
    for _, prefix in ipairs(prefixes) do
        if str_sub(value, 1, #prefix) == prefix then
            return true
        end
    end
    return false
end

local function is_xml_type(mtype, xml_types)
    return mtype:find("[/+]xml$") ~= nil or has_prefix(mtype, xml_types)
end

-- XML parsers read a document whatever the Content-Type says, so XML is sniffed too.
local function looks_like_xml(data)
    local head = str_sub(data, 1, 512)
    return str_find(head, "^%s*<[?!%w]") ~= nil
        or str_find(head, "^\239\187\191%s*<[?!%w]") ~= nil
        or str_find(head, "^<%z", 1) ~= nil
        or str_find(head, "^%z<", 1) ~= nil
        or str_find(head, "^\255\254<", 1) ~= nil
        or str_find(head, "^\254\255%z<", 1) ~= nil
end

local function looks_binary(data)
    return str_find(str_sub(data, 1, 512), "%z") ~= nil
end

local function walk_json(node, key, path, depth, ctx)
    local t = type(node)
    if t == "string" then
        ctx.add("body_args", key, path, node)
    elseif t == "table" then
        if depth > ctx.max_depth then
            ctx.overflow = true
            return
        end
        for k, v in pairs(node) do
            ctx.count = ctx.count + 1
            if ctx.count > ctx.max_fields then
                ctx.overflow = true
                return
            end
            if type(k) == "string" then
                local child = path == "" and k or path .. "." .. k
                ctx.add("body_names", k, child, k)
                walk_json(v, k, child, depth + 1, ctx)
            else
                -- Array items keep their parent's key, so a field exception covers them.
                walk_json(v, key, path .. "[]", depth + 1, ctx)
            end
            if ctx.overflow then
                return
            end
        end
    end
end

local function add_form(data, add)
    local args = decode_args(data, 0)
    for name, value in pairs(args) do
        add("body_names", name, name, name)
        if type(value) == "table" then
            for _, v in ipairs(value) do
                if type(v) == "string" then
                    add("body_args", name, name, v)
                end
            end
        elseif type(value) == "string" then
            add("body_args", name, name, value)
        end
    end
end

local function add_file(name, filename, ptype, content, add, conf)
    if filename ~= "" then
        add("body_args", "filename", name .. ".filename", filename)
    end
    if content == "" then
        return
    end
    if is_xml_type(ptype, conf.xml_body_types) or looks_like_xml(content) then
        add("xml", name, name, content)
    elseif not has_prefix(ptype, conf.skip_body_types) and not looks_binary(content) then
        add("body", name, name, content)
    end
end

local function add_multipart(data, content_type, add, conf)
    local boundary = str_match(content_type, "boundary=\"([^\"]+)\"")
        or str_match(content_type, "boundary=([^;%s]+)")
    if not boundary then
        add("body", "body", "body", data)
        return
    end
    local delimiter = "--" .. boundary
    local pos = str_find(data, delimiter, 1, true)
    while pos do
        local header_start = pos + #delimiter
        if str_sub(data, header_start, header_start + 1) == "--" then
            break
        end
        local header_end = str_find(data, "\r\n\r\n", header_start, true)
        if not header_end then
            break
        end
        local headers = str_sub(data, header_start, header_end)
        local next_pos = str_find(data, "\r\n" .. delimiter, header_end + 4, true)
        local content = str_sub(data, header_end + 4, (next_pos or #data + 1) - 1)
        local disposition = str_match(headers, "[Cc]ontent%-[Dd]isposition:([^\r\n]*)") or ""
        local name = str_match(disposition, ';%s*name="([^"]*)"') or ""
        local filename = str_match(disposition, ';%s*filename="([^"]*)"')
        local ptype = media_type(str_match(headers, "[Cc]ontent%-[Tt]ype:([^\r\n]*)"))
        add("body_names", name, name, name)
        if filename then
            add_file(name, filename, ptype, content, add, conf)
        else
            add("body_args", name, name, content)
        end
        pos = next_pos and next_pos + 2
    end
end

-- Splits `data` into items by its Content-Type, calling add(kind, name, path, value).
-- Returns whether the JSON walk ran out of budget (the raw text is inspected then).
function _M.split(data, content_type, add, conf, budget)
    local mtype = media_type(content_type)
    if mtype == "application/x-www-form-urlencoded" then
        add_form(data, add)
    elseif mtype == "application/json" or mtype:find("%+json$") then
        local doc = json.decode(data)
        if type(doc) == "table" then
            local ctx = { add = add, count = 0, max_depth = budget.max_depth,
                max_fields = budget.max_fields }
            walk_json(doc, "", "", 1, ctx)
            if ctx.overflow then
                add("body", "body", "body", data)
                return true
            end
        elseif type(doc) == "string" then
            add("body_args", "", "", doc)
        elseif doc == nil then
            -- Not JSON after all (or cut short by the budget): inspect it as text.
            add("body", "body", "body", data)
        end
    elseif mtype == "multipart/form-data" then
        add_multipart(data, content_type, add, conf)
    elseif is_xml_type(mtype, conf.xml_body_types) or looks_like_xml(data) then
        add("xml", "body", "body", data)
    elseif not has_prefix(mtype, conf.skip_body_types) and not looks_binary(data) then
        add("body", "body", "body", data)
    end
    return false
end

return _M
