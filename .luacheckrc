-- luacheck for the gateway's Lua (nginx/lua/, nginx/tests/lua/): `luacheck nginx/lua nginx/tests/lua`
-- from the repository root, as tox's lint env and pre-commit run it.
-- The code runs inside nginx's Lua module under LuaJIT: ngx_lua is LuaJIT's standard library
-- plus the globals the module adds (ngx, ndk, coroutine's extras), so a typo in `ngx.*`
-- or a stray global is still an error.
std = "ngx_lua"
