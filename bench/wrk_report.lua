-- wrk script of bench/web.py: counts the responses that are not 2xx (wrk itself counts only
-- status >= 400) and, when the run is done, prints its figures as one JSON line prefixed with
-- "WRK_JSON ". Times are in microseconds, as wrk measures them.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non_2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local not_2xx = 0
  for _, thread in ipairs(threads) do
    not_2xx = not_2xx + thread:get("non_2xx")
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us": %d, "requests": %d, "bytes": %d, "non_2xx": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}}\n',
    summary.duration, summary.requests, summary.bytes, not_2xx,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency.min, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max
  ))
end
