-- The browser's protections on what the gateway answers itself (its refusals and error
-- pages), the same values every service sends (runnerly_common.security_headers; a test
-- keeps them equal). Proxied answers carry the service's own and are left alone.

local pairs = pairs

local _M = { _VERSION = "0.1.0" }

local FEATURES = {
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "hid", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
    "serial", "usb", "xr-spatial-tracking",
}
local denied = {}
for i, feature in ipairs(FEATURES) do
    denied[i] = feature .. "=()"
end

_M.HEADERS = {
    ["Content-Security-Policy"] =
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ["X-Content-Type-Options"] = "nosniff",
    ["X-Frame-Options"] = "DENY",
    ["Referrer-Policy"] = "no-referrer",
    ["Permissions-Policy"] = table.concat(denied, ", "),
}

-- Set them on the response being built (before its headers are sent).
function _M.protect()
    local header = ngx.header
    for name, value in pairs(_M.HEADERS) do
        header[name] = value
    end
end

return _M
