-- wrk script for tools/load_test.sh: POSTs the file named by $BODY to the URL given to wrk.
-- With $LIMIT > 0 each thread stops after that many responses (so -t T sends about T*LIMIT).
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"

local limit = tonumber(os.getenv("LIMIT") or "0")
local seen = 0

function response(status, headers, body)
  seen = seen + 1
  if limit > 0 and seen >= limit then
    wrk.thread:stop()
  end
end
