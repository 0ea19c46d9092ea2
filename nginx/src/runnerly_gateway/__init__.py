"""Runnerly's gateway: renders nginx's configuration and runs nginx with the Lua layer."""
