-- The WAF's signatures as PCRE objects compiled (and JIT-compiled) once, at init, and run
-- straight through lua-resty-core's FFI binding.
--
-- ngx.re.find(value, pattern, "jo") looks the compiled pattern up on every call: it builds
-- the key pattern .. "\0" .. opts (a fresh string as long as the pattern, hashed and then
-- thrown away), parses the options and walks an LRU cache. For the WAF's few hundred calls
-- per request that bookkeeping cost more than the matching. resty.core.regex exports the
-- compile step (ngx.re.split in lua-resty-core's ngx/re.lua uses it the same way), so the
-- engine keeps the compiled objects and only executes them. Where that binding is missing
-- (no FFI), matching falls back to ngx.re.find with the same pattern and options.

local ok_core, core_regex = pcall(require, "resty.core.regex")
local ffi_ok, ffi = pcall(require, "ffi")

local re_find = ngx.re.find

local _M = { _VERSION = "0.1.0" }

local NOMATCH = -1 -- PCRE_ERROR_NOMATCH, the same in PCRE and PCRE2

local exec
if ok_core and ffi_ok and core_regex.re_match_compile then
    local ok_exec, fn = pcall(function()
        return ffi.C.ngx_http_lua_ffi_exec_regex
    end)
    exec = ok_exec and fn or nil
end
_M.direct = exec ~= nil

-- A compiled pattern: {pattern =, options =, compiled = cdata or nil, flags =}; raises
-- with PCRE's message when the pattern does not compile. `options`: ngx.re's ("jo", "joi").
function _M.compile(pattern, options)
    local re = { pattern = pattern, options = options }
    if exec then
        -- Without "o": the object is ours (freed with it), not an entry of ngx.re's cache,
        -- which must stay empty until runnerly.waf.init has asked about JIT.
        local compiled, err, flags = core_regex.re_match_compile(pattern, (options:gsub("o", "")))
        if not compiled then
            error(err, 0)
        end
        re.compiled, re.flags = compiled, flags
        return re
    end
    local _, _, err = re_find("", pattern, options)
    if err then
        error(err, 0)
    end
    return re
end

-- Whether `re` matches somewhere in `subject`; nil and PCRE's error when matching failed
-- (e.g. its backtracking limit).
function _M.find(re, subject)
    local compiled = re.compiled
    if compiled then
        local rc = exec(compiled, re.flags, subject, #subject, 0)
        if rc >= 0 then
            return true
        elseif rc == NOMATCH then
            return false
        end
        return nil, "pcre_exec() failed: " .. rc
    end
    local from, _, err = re_find(subject, re.pattern, re.options)
    if err then
        return nil, err
    end
    return from ~= nil
end

-- A function telling whether `pattern` occurs in a string: the transforms' and the engine's
-- "anything to do?" checks, run on every value. (Lua patterns would spare the FFI call on
-- short values but walk long ones byte by byte in the interpreter: a 35 KB GPX upload
-- took longer than with the JIT-compiled class.)
function _M.tester(pattern, options)
    local re = _M.compile(pattern, options)
    local find = _M.find
    return function(subject)
        return find(re, subject) == true
    end
end

return _M
