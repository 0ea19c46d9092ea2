-- Decoders the WAF's transforms use: URL escapes (repeatedly, with %u), HTML entities,
-- JavaScript escapes, and the overlong and fullwidth UTF-8 some decoders accept. Each
-- takes a string and returns a string; runnerly.waf.normalize lists them by name.

local regex = require("runnerly.waf.regex")

local re_gsub = ngx.re.gsub
local re_find = ngx.re.find
local unescape_uri = ngx.unescape_uri
local str_find = string.find
local str_gsub = string.gsub
local str_lower = string.lower
local str_char = string.char
local str_byte = string.byte
local floor = math.floor
local tonumber = tonumber

local _M = { _VERSION = "0.1.0" }

local has_fold_lead = regex.tester([=[[\xc0\xc1\xc4\xe0\xef\xf0\xf8\xfc]]=], "jo")

-- Enough for triple encoding plus one layer of %u; each pass must change the string.
local MAX_URL_PASSES = 5

local function utf8_char(cp)
    if cp < 0x80 then
        return str_char(cp)
    elseif cp < 0x800 then
        return str_char(0xC0 + floor(cp / 0x40), 0x80 + cp % 0x40)
    elseif cp < 0x10000 then
        return str_char(0xE0 + floor(cp / 0x1000), 0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
    elseif cp < 0x110000 then
        return str_char(0xF0 + floor(cp / 0x40000), 0x80 + floor(cp / 0x1000) % 0x40,
            0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
    end
    return ""
end

-- Fullwidth forms (U+FF01..U+FF5E) are folded to ASCII: back ends that apply NFKC turn
-- "＜script＞" into "<script>", so the signatures must see it that way too.
local function fold_codepoint(cp)
    if cp >= 0xFF01 and cp <= 0xFF5E then
        return cp - 0xFEE0
    end
    return cp
end

local function decode_percent_u(m)
    return utf8_char(fold_codepoint(tonumber(m[1], 16)))
end

function _M.url_decode(s)
    for _ = 1, MAX_URL_PASSES do
        if not str_find(s, "%", 1, true) then
            return s
        end
        local d = s
        if str_find(d, "%u", 1, true) or str_find(d, "%U", 1, true) then
            d = re_gsub(d, [[%u([0-9a-f]{4})]], decode_percent_u, "joi")
        end
        -- nginx already turned the query's "+" into spaces, so a "+" left in a plain value
        -- was sent as %2B and is meant literally (SQL and JS concatenation). In a value
        -- that still holds escapes it is another layer of form encoding: a space.
        if str_find(d, "+", 1, true) and not re_find(d, [[%[0-9a-f]{2}]], "joi") then
            d = str_gsub(d, "%+", "%%2B")
        end
        d = unescape_uri(d)
        if d == s then
            return s
        end
        s = d
    end
    return s
end

local NAMED_ENTITIES = {
    lt = "<", gt = ">", amp = "&", quot = '"', apos = "'", colon = ":", semi = ";",
    lpar = "(", rpar = ")", sol = "/", bsol = "\\", tab = "\t", newline = "\n",
    nbsp = " ", excl = "!", num = "#", dollar = "$", percnt = "%", lsqb = "[",
    rsqb = "]", lbrack = "[", rbrack = "]", lcub = "{", rcub = "}", lbrace = "{",
    rbrace = "}", equals = "=", plus = "+", comma = ",", period = ".", grave = "`",
    quest = "?", commat = "@", vert = "|", verbar = "|", ast = "*", hat = "^",
    lowbar = "_", dash = "-", hyphen = "-",
}

local function decode_entity(m)
    local cp
    if m[1] then
        cp = tonumber(m[1], 16)
    elseif m[2] then
        cp = tonumber(m[2], 10)
    else
        return NAMED_ENTITIES[str_lower(m[3])] or m[0]
    end
    if not cp or cp > 0x10FFFF then
        return m[0]
    end
    return utf8_char(fold_codepoint(cp))
end

-- Browsers accept numeric references without the semicolon and with leading zeros.
function _M.html_entities(s)
    for _ = 1, 2 do
        if not str_find(s, "&", 1, true) then
            return s
        end
        local d = re_gsub(s, [[&(?:#x0*([0-9a-f]{1,6})|#0*([0-9]{1,7})|([a-z]{2,8}));?]],
            decode_entity, "joi")
        if d == s then
            return s
        end
        s = d
    end
    return s
end

local function decode_hex_escape(m)
    return utf8_char(fold_codepoint(tonumber(m[1] or m[2], 16)))
end

-- \u006a and \x6a as JavaScript, Java and JSON-in-a-string write them.
function _M.js_escapes(s)
    if not str_find(s, "\\", 1, true) then
        return s
    end
    return (re_gsub(s, [[\\u\{?([0-9a-f]{4})\}?|\\x([0-9a-f]{2})]], decode_hex_escape, "joi"))
end

local function overlong2(lead, cont)
    return str_char((str_byte(lead) - 0xC0) * 0x40 + (str_byte(cont) - 0x80))
end

-- 3- to 6-byte overlong forms of ASCII: a lead byte, padding 0x80s, then the character.
local function overlong_long(m)
    local cp = (str_byte(m[3]) - 0x80) * 0x40 + (str_byte(m[4]) - 0x80)
    if cp < 0x80 then
        return str_char(cp)
    end
    return m[0]
end

-- U+FF01..U+FF5E are EF BC 81 .. EF BD 9E in UTF-8.
local function fullwidth(b2, b3)
    local cp = 0xFF00 + (str_byte(b2) - 0xBC) * 0x40 + (str_byte(b3) - 0x80)
    if cp >= 0xFF01 and cp <= 0xFF5E then
        return str_char(cp - 0xFEE0)
    end
    return "\239" .. b2 .. b3
end

-- Overlong UTF-8 (%c0%ae is ".") and fullwidth ASCII, which some decoders accept, and the
-- dotted and dotless Turkish i, which locale-aware case mapping turns into ASCII i.
function _M.unicode_fold(s)
    if not has_fold_lead(s) then
        return s
    end
    s = str_gsub(s, "\196[\176\177]", "i")
    s = str_gsub(s, "([\192\193])([\128-\191])", overlong2)
    s = re_gsub(s, [[([\xe0\xf0\xf8\xfc])(\x80{0,3})([\x80\x81])([\x80-\xbf])]], overlong_long, "jo")
    return (str_gsub(s, "\239([\188\189])([\128-\191])", fullwidth))
end

return _M
