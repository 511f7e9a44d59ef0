-- wrk script: AdminUpdateUserAttributes changing a user's email, so every request fires the
-- pool's CustomMessage trigger. POOL_ID and USERS come from the environment (benches/server.rs
-- sets them). Each wrk thread cycles through the users with its own counter.
local pool = os.getenv("POOL_ID")
local users = tonumber(os.getenv("USERS") or "100")
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.AdminUpdateUserAttributes"

request = function()
  counter = counter + 1
  local body = string.format(
    '{"UserPoolId":"%s","Username":"user%d","UserAttributes":[{"Name":"email","Value":"u%d-%d@example.com"}]}',
    pool, counter % users, counter, math.random(1000000))
  return wrk.format(nil, "/", nil, body)
end

-- Count answers that are not 200, per wrk thread, and print the total, so a run that measured
-- errors is visible.
non_ok = 0
response = function(status, headers, body)
  if status ~= 200 then non_ok = non_ok + 1 end
end

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("non_ok") or 0)
  end
  io.write(string.format("non-200 answers: %d of %d\n", total, summary.requests))
end
