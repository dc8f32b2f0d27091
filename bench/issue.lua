-- wrk script: each request issues the next available demo device (TCH-00001 onwards, skipping
-- the ones demo leaves awaiting checks or in repair) to one borrower.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  stride = tonumber(args[1])
  borrower = args[2]
  due_on = args[3]
  number = tonumber(args[4]) + id
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

request = function()
  while (number - 1) % 20 <= 2 do number = number + stride end
  local body = string.format('{"asset_tag":"TCH-%05d","borrower_id":%s,"due_on":"%s"}', number, borrower, due_on)
  number = number + stride
  return wrk.format(nil, "/api/v1/loans", nil, body)
end
