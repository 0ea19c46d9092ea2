-- Hyperscan (libhs; Vectorscan on arm64, the same API) through LuaJIT's FFI: many patterns
-- compiled into one database, so a value costs ONE scan over all of them.
--
-- The WAF compiles its signatures in prefilter mode (HS_FLAG_PREFILTER): Hyperscan then
-- matches a superset of what each pattern matches (constructs it cannot run, such as
-- back-references and lookarounds, are approximated generously), so a rule it reports is
-- only a candidate, confirmed with the rule's own PCRE, and a rule it does not report
-- cannot match. Patterns it refuses even so are returned to the caller, which runs them
-- through PCRE on every value. HS_FLAG_SINGLEMATCH: each pattern is reported once per scan.
--
-- Without libhs (or without FFI) available() is false and the WAF keeps its PCRE-only path.

local ok_ffi, ffi = pcall(require, "ffi")

local _M = { _VERSION = "0.1.0" }

local CASELESS, DOTALL, MULTILINE, SINGLEMATCH, PREFILTER = 1, 2, 4, 8, 128
local MODE_BLOCK = 1
local SUCCESS = 0

local lib, why_not
if not ok_ffi then
    why_not = "no FFI"
else
    local ok_cdef, cdef_err = pcall(ffi.cdef, [[
        typedef struct hs_database hs_database_t;
        typedef struct hs_scratch hs_scratch_t;
        typedef struct hs_platform_info hs_platform_info_t;
        typedef struct hs_compile_error { char *message; int expression; } hs_compile_error_t;
        typedef int (*runnerly_hs_match_handler)(unsigned int id, unsigned long long from,
            unsigned long long to, unsigned int flags, void *context);
        int hs_compile_multi(const char *const *expressions, const unsigned int *flags,
            const unsigned int *ids, unsigned int elements, unsigned int mode,
            const hs_platform_info_t *platform, hs_database_t **db, hs_compile_error_t **error);
        int hs_free_compile_error(hs_compile_error_t *error);
        int hs_free_database(hs_database_t *db);
        int hs_alloc_scratch(const hs_database_t *db, hs_scratch_t **scratch);
        int hs_scan(const hs_database_t *db, const char *data, unsigned int length,
            unsigned int flags, hs_scratch_t *scratch, runnerly_hs_match_handler onEvent,
            void *context);
        const char *hs_version(void);
        int runnerly_hs_getpid(void) __asm__("getpid");
    ]])
    if not ok_cdef then
        why_not = "ffi.cdef: " .. tostring(cdef_err)
    else
        -- Debian's libhyperscan5 and libvectorscan5 install libhs.so.5; -dev adds libhs.so.
        for _, name in ipairs({ "hs", "libhs.so.5" }) do
            local ok, loaded = pcall(ffi.load, name)
            if ok then
                lib = loaded
                break
            end
            why_not = tostring(loaded)
        end
    end
end

function _M.available()
    return lib ~= nil, why_not
end

function _M.version()
    return lib and ffi.string(lib.hs_version()) or nil
end

-- One scratch space for every database of this process (hs_alloc_scratch grows it to fit
-- each one). Allocated in nginx's master at init, so each worker owns its forked copy.
local scratch = ok_ffi and ffi.new("hs_scratch_t *[1]") or nil

-- The ids a scan reported, in `found[1..count]`: filled by the callback, read by the caller
-- before the next scan. The callback is made once: creating one per call would leak.
local found, count = {}, 0
local on_match
if lib then
    on_match = ffi.cast("runnerly_hs_match_handler", function(id)
        count = count + 1
        found[count] = id
        return 0
    end)
end

-- The handler of the first scan of a value: getpid() takes no arguments and never returns
-- 0, so, called as a match handler (the extra arguments are ignored by the C calling
-- convention of amd64 and arm64), it stops the scan at the first match: hs_scan then
-- answers HS_SCAN_TERMINATED. A C function, not a Lua callback, so this scan can be part
-- of JIT-compiled code; the ids are asked for (scan, below) only when something matched.
local SCAN_TERMINATED = -3
local stop_at_first
if lib then
    stop_at_first = ffi.cast("runnerly_hs_match_handler", ffi.C.runnerly_hs_getpid)
end

local function flags_of(options)
    local flags = PREFILTER + SINGLEMATCH
    if options:find("i", 1, true) then
        flags = flags + CASELESS
    end
    if options:find("s", 1, true) then
        flags = flags + DOTALL
    end
    if options:find("m", 1, true) then
        flags = flags + MULTILINE
    end
    return flags
end

local function try_compile(list)
    local n = #list
    local expressions = ffi.new("const char *[?]", n)
    local flags = ffi.new("unsigned int[?]", n)
    local ids = ffi.new("unsigned int[?]", n)
    -- The pointers are into the Lua strings, which `list` keeps alive during the call.
    for i, entry in ipairs(list) do
        expressions[i - 1] = entry.expression
        flags[i - 1] = entry.flags
        ids[i - 1] = entry.id
    end
    local db = ffi.new("hs_database_t *[1]")
    local err = ffi.new("hs_compile_error_t *[1]")
    local rc = lib.hs_compile_multi(expressions, flags, ids, n, MODE_BLOCK, nil, db, err)
    if rc == SUCCESS then
        return ffi.gc(db[0], lib.hs_free_database)
    end
    local message, index = "error " .. rc, -1
    if err[0] ~= nil then
        message = ffi.string(err[0].message)
        index = err[0].expression
        lib.hs_free_compile_error(err[0])
    end
    return nil, message, index
end

-- Bounded repeats with a large maximum ([^%>]{1,200}, .{1,60}) cost Hyperscan most of
-- its compile time; in prefilter mode only a superset matters, so {m,n} becomes {m,} when
-- n is 10 or more: each pattern's matches stay among what the database reports (and the
-- PCRE that confirms a candidate keeps the bound). Escapes and character classes, where
-- "{1,20}" means those characters, are left alone.
local WIDEN_FROM = 10

local function widen(pattern)
    if pattern:find("\\Q", 1, true) or pattern:find("(?#", 1, true) then
        return pattern -- quoted text and comments: left as they are
    end
    local out, i, n = {}, 1, #pattern
    local in_class = false
    while i <= n do
        local c = pattern:sub(i, i)
        if c == "\\" then
            out[#out + 1] = pattern:sub(i, i + 1)
            i = i + 2
        elseif in_class then
            if c == "]" then
                in_class = false
            end
            out[#out + 1] = c
            i = i + 1
        elseif c == "[" then
            in_class = true
            out[#out + 1] = c
            i = i + 1
            -- A "]" first in the class (after an optional "^") is a member, not its end.
            local first = pattern:sub(i, i) == "^" and i + 1 or i
            if pattern:sub(first, first) == "]" then
                out[#out + 1] = pattern:sub(i, first)
                i = first + 1
            end
        else
            local from, to, low, high = pattern:find("^{(%d+),(%d+)}", i)
            if from and tonumber(high) >= WIDEN_FROM then
                out[#out + 1] = "{" .. low .. ",}"
                i = to + 1
            else
                out[#out + 1] = c
                i = i + 1
            end
        end
    end
    return table.concat(out)
end
_M.widen = widen

-- A database of `patterns` ({pattern =, options = ngx.re's "jo.."} each; the id Hyperscan
-- reports is the index in the list), or nil when none compiles; and the list of the
-- indexes Hyperscan refused (each with its message in `why`).
function _M.compile(patterns)
    local list, refused, why = {}, {}, {}
    for i, p in ipairs(patterns) do
        local opts = p.options:sub(3)
        local expression = p.pattern
        if opts:find("x", 1, true) then
            -- (Under x, "#" starts a comment where brackets mean nothing: not widened.)
            expression = "(?x)" .. expression
        else
            expression = widen(expression)
        end
        list[#list + 1] = { expression = expression, flags = flags_of(opts), id = i }
    end
    while list[1] do
        local db, message, index = try_compile(list)
        if db then
            local rc = lib.hs_alloc_scratch(db, scratch)
            if rc ~= SUCCESS then
                error("waf: hs_alloc_scratch failed: " .. rc, 0)
            end
            return db, refused, why
        end
        if index < 0 or index >= #list then
            -- Not one expression's fault: nothing goes through Hyperscan.
            for _, entry in ipairs(list) do
                refused[#refused + 1] = entry.id
                why[entry.id] = message
            end
            return nil, refused, why
        end
        local entry = table.remove(list, index + 1)
        refused[#refused + 1] = entry.id
        why[entry.id] = message
    end
    return nil, refused, why
end

-- Whether some pattern of `db` matches in `subject`: true, false, or nil and why.
function _M.any(db, subject)
    local rc = lib.hs_scan(db, subject, #subject, 0, scratch[0], stop_at_first, nil)
    if rc == SCAN_TERMINATED then
        return true
    elseif rc == SUCCESS then
        return false
    end
    return nil, "hs_scan failed: " .. rc
end

-- Scans `subject` with `db`; returns the number of patterns reported and the table holding
-- their ids at 1..n (reused by the next scan). Never JIT-compiled: a callback into Lua
-- from a C function called by a trace is an error in LuaJIT, so the call to hs_scan must
-- come from the interpreter.
local function scan(db, subject)
    count = 0
    local rc = lib.hs_scan(db, subject, #subject, 0, scratch[0], on_match, nil)
    if rc ~= SUCCESS then
        return nil, "hs_scan failed: " .. rc
    end
    return count, found
end
if ok_ffi then
    require("jit").off(scan)
end
_M.scan = scan

return _M
