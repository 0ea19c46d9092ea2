-- The transforms a rule may name (nginx/waf/rules/*.json) to normalize a value before its
-- pattern sees it: the decoders of runnerly.waf.decode, and here case, NUL bytes,
-- whitespace, SQL comments, paths, shell quoting tricks and Log4j lookups. Each takes a
-- string and returns a string. Each first looks for what it could change, with a plain
-- string.find or a precompiled PCRE check (runnerly.waf.regex.tester).

local decode = require("runnerly.waf.decode")
local regex = require("runnerly.waf.regex")

local re_gsub = ngx.re.gsub
local str_find = string.find
local str_gsub = string.gsub
local str_lower = string.lower
local str_byte = string.byte

local _M = { _VERSION = "0.1.0" }

local MAX_LOOKUP_PASSES = 8

local has_space_to_compress = regex.tester([[[\t\n\x0b\f\r\xa0]|  ]], "jo")
local has_space = regex.tester([=[[\s\x0b\xa0]]=], "jo")
local has_path_noise = regex.tester([[[^a-z0-9.\s_-]|0x]], "jo")
local has_line_break = regex.tester([=[[\r\n]|\\[nr]]=], "jo")
local has_quoting = regex.tester([=[[\\'"^]]=], "jo")

function _M.lowercase(s)
    return str_lower(s)
end

function _M.remove_nulls(s)
    if str_find(s, "\0", 1, true) then
        return (str_gsub(s, "%z", ""))
    end
    return s
end

-- A lone 0xA0 byte (Latin-1 NBSP) counts too: MySQL reads it as a space.
function _M.compress_whitespace(s)
    if not has_space_to_compress(s) then
        return s
    end
    return (re_gsub(s, [[(?:\s|\x0b|\xc2\xa0|(?<![\xc0-\xff])\xa0)+]], " ", "jo"))
end

-- What re_gsub(s, [[(?:\s|\x0b|\xc2\xa0)+]], "") gives, with Lua's string.gsub, which
-- takes about half the time of ngx.re.gsub on short values (no regex cache lookup). Lua's %s
-- is LuaJIT's own class (0x09-0x0d and space, whatever the locale), PCRE's \s with \x0b
-- the same bytes; removing the \xc2\xa0 pairs first finds exactly the pairs the regex
-- finds (neither byte is whitespace, pairs cannot overlap), and removing whitespace after
-- cannot touch them.
function _M.remove_whitespace(s)
    if not has_space(s) then
        return s
    end
    if str_find(s, "\xc2\xa0", 1, true) then
        s = str_gsub(s, "\xc2\xa0", "")
    end
    return (str_gsub(s, "%s+", ""))
end

-- MySQL runs the body of /*!50000 ... */, so only its markers go; ordinary comments
-- (terminated or not) and line comments that end in a newline become a space.
-- One left-to-right pass, as MySQL's tokenizer reads: whichever comment opens first wins,
-- so "#x*/*y\nselect" is a line comment, not the start of a block.
function _M.sql_comments(s)
    local block = str_find(s, "/*", 1, true)
    local line = str_find(s, "\n", 1, true) and (str_find(s, "#", 1, true) or str_find(s, "--", 1, true))
    if block or line then
        s = re_gsub(s, [[/\*!\d*|/\*.*?(?:\*/|$)|(?:--|#)[^\n]*\n]], " ", "jos")
    end
    if str_find(s, "*/", 1, true) then
        s = re_gsub(s, [[\*/]], " ", "jo")
    end
    return s
end

local function drop_comment(m)
    local c = str_byte(m[0], 1)
    return c == 47 and "" or " "  -- "/": a block comment goes; a line comment is a space
end

-- Filters that delete comments outright turn "un/**/ion" into "union" (MySQL still runs
-- the body of /*!...*/). Deleting them also glues words together, so a value without
-- block comments becomes "": rules on this spelling only see values that had some.
function _M.comments_removed(s)
    if not str_find(s, "/*", 1, true) then
        return ""
    end
    s = re_gsub(s, [[/\*!\d*|/\*.*?(?:\*/|$)|(?:--|#)[^\n]*\n]], drop_comment, "jos")
    if str_find(s, "*/", 1, true) then
        s = re_gsub(s, [[\*/]], "", "jo")
    end
    return s
end

-- Paths as Windows, Tomcat (";params") and lenient servers read them.
function _M.path(s)
    if str_find(s, "\\", 1, true) then
        s = str_gsub(s, "\\", "/")
    end
    if str_find(s, ";", 1, true) then
        s = re_gsub(s, [[;[^/]*(?=/|$)]], "", "jo")
    end
    if str_find(s, "/./", 1, true) then
        repeat
            local before = s
            s = str_gsub(s, "/%./", "/")
        until s == before
    end
    return s
end

-- Traversal tools spell "/" and "." in ways no decoder agrees on (%c0%qf, %uEFC8, 0x2f,
-- bytes of overlong forms). The skeleton keeps letters, digits and dots and turns every
-- run of anything else but spaces into one "/", so "etc%c0%qfpasswd" reads "etc/passwd".
-- Only file-name rules use it: dot-dot rules would see "/../" in "\u{1F3C3}..\u{1F3C3}".
function _M.path_skeleton(s)
    if not has_path_noise(s) then
        return s
    end
    if str_find(s, "0x2e", 1, true) then
        s = re_gsub(s, [[0x2e]], ".", "jo")
    end
    return (re_gsub(s, [[(?:%u[0-9a-f]{4}|%[0-9a-z]{2}|0x(?:2f|5c)|[^a-z0-9.\s_-])+]], "/", "jo"))
end

local function positional(m)
    if m[1] then
        return " "
    end
    return ""
end

local function brace_expansion(m)
    return (str_gsub(m[1], ",", " "))
end

-- Quoting and expansion tricks the shell removes: w'h'o\am"i", c$@at, cat${IFS}/etc,
-- {cat,/etc/passwd}. Expects lowercased input.
function _M.cmdline(s)
    if has_line_break(s) then
        s = re_gsub(s, [=[\r?\n|\\r\\n|\\[nr]]=], ";", "jo")
    end
    if has_quoting(s) then
        s = re_gsub(s, [=[[\\'"^]+]=], "", "jo")
    end
    if str_find(s, "$", 1, true) then
        -- $IFS is a space; any other variable is presumed unset (c$@at, /bin$u/cat).
        s = re_gsub(s, [[\$(?:(\{ifs\}|ifs\b)|[@*]|\{\d*\}|\d\b|[a-z_]\w*)]], positional, "jo")
    end
    if str_find(s, "{", 1, true) then
        s = re_gsub(s, [[\{([^{}\s]*,[^{}\s]*)\}]], brace_expansion, "jo")
    end
    return s
end

-- Log4j resolves ${lower:j}, ${::-j}, ${env:X:-j} and ${date:'j'} before the lookup it
-- spells out, so "${${::-j}ndi:" must be read as "${jndi:".
function _M.log4j_lookups(s)
    if not str_find(s, "${", 1, true) then
        return s
    end
    for _ = 1, MAX_LOOKUP_PASSES do
        local d = re_gsub(s, [[\$\{(?:(?:lower|upper):([^{}$]*)|date:'([^'{}$]*)'|[^{}$]*?:-([^{}$]*))\}]],
            "$1$2$3", "joi")
        if d == s then
            return s
        end
        s = d
    end
    return s
end

-- For the engine's prefilter (runnerly.waf.engine): per transform, a PCRE class of single
-- bytes such that on a value holding none of them, the transform cannot put into the
-- value any byte other than a letter, a digit or a space (the only bytes a rule's trigger
-- set leaves out). "" : it never can (it only changes case, removes bytes, keeps
-- substrings or writes spaces: lowercase, remove_nulls, the whitespace ones, sql_comments,
-- comments_removed, log4j_lookups). false: it can from letters alone (path_skeleton writes
-- "/" for "0x2f"), so its chains never take the fast path. Keep in step with each
-- function's "anything to do?" check above and in runnerly.waf.decode.
_M.triggers = {
    url_decode = "[%]",               -- escapes; "+" stays "+" without a %XX
    html_entities = "[&]",
    js_escapes = [=[[\\]]=],
    unicode_fold = [=[[\x80-\xff]]=], -- overlong and fullwidth forms, the Turkish i
    lowercase = "",
    remove_nulls = "",
    compress_whitespace = "",         -- whitespace of any kind becomes a space
    remove_whitespace = "",
    sql_comments = "",                -- comments become spaces
    comments_removed = "",
    path = [=[[\\]]=],                -- "\\" becomes "/"; ";params" and "/./" only go
    path_skeleton = false,
    cmdline = [=[[\\\r\n]]=],           -- line breaks (and "\\n") become ";"; the rest goes or is a space
    log4j_lookups = "",               -- a lookup becomes a substring of itself
}

-- Name -> function, for the rule loader.
_M.transforms = {
    url_decode = decode.url_decode,
    html_entities = decode.html_entities,
    js_escapes = decode.js_escapes,
    unicode_fold = decode.unicode_fold,
    lowercase = _M.lowercase,
    remove_nulls = _M.remove_nulls,
    compress_whitespace = _M.compress_whitespace,
    remove_whitespace = _M.remove_whitespace,
    sql_comments = _M.sql_comments,
    comments_removed = _M.comments_removed,
    path = _M.path,
    path_skeleton = _M.path_skeleton,
    cmdline = _M.cmdline,
    log4j_lookups = _M.log4j_lookups,
}

return _M
