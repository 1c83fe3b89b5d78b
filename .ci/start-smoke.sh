#!/usr/bin/env bash
# The README's "run it" path, as a person would: npm start, a second npm start refused, the provider's
# own curl sample against the printed URL, npm run records, npm run redrive; then a restart to show
# records survive it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT="${PORT:-3917}" TOBETEXT_PREFIXES="TEST" CI_LOG="$(mktemp)"
rm -rf .local

start() {
  # Its own process group, like a terminal's foreground job, so Ctrl-C can reach all of it.
  setsid npm start >"$CI_LOG" 2>&1 &
  START_PID=$!
  for _ in $(seq 1 120); do
    grep -q "Ctrl-C stops everything" "$CI_LOG" && return 0
    kill -0 "$START_PID" 2>/dev/null || { cat "$CI_LOG"; echo "npm start exited early"; exit 1; }
    sleep 0.5
  done
  cat "$CI_LOG"; echo "npm start did not come up"; exit 1
}

stop() {
  # Ctrl-C: SIGINT to the whole foreground process group (npm, sh and node).
  kill -INT -- "-$START_PID" || true
  wait "$START_PID" || true
  grep -q "^stopped" "$CI_LOG" || { cat "$CI_LOG"; echo "npm start did not stop cleanly"; exit 1; }
}

start
cat "$CI_LOG"
URL=$(grep -i "inbound" "$CI_LOG" | grep -o 'http://[^ ]*' | head -1)
[ -n "$URL" ] || { echo "no inbound URL printed"; exit 1; }

# A second npm start in the same folder: one line naming the running one, a non-zero exit, and the
# first one untouched (everything below runs against it).
set +e
SECOND=$(npm run --silent start 2>&1)
CODE=$?
set -e
echo "second npm start (exit $CODE): $SECOND"
[ "$CODE" != 0 ] && echo "$SECOND" | grep -qF "a local stack already runs in $PWD/.local (pid " &&
  echo "$SECOND" | grep -qF "inbound SMS URL $URL); stop it with Ctrl-C in its terminal, or kill " ||
  { echo "a second npm start was not refused as it should be"; exit 1; }

# The seed's curl command, its placeholders filled in.
ANSWER=$(curl -sS -X POST "$URL" -d 'RecvNum=821012341234' -d 'SendNum=010-1234-5678' -d 'Body=TEST 안녕하세요 ToBeText')
echo "answer: $ANSWER"
echo "$ANSWER" | grep -q "<Status>Success</Status>"

for _ in $(seq 1 40); do
  RECORDS=$(npm run --silent records -- --json)
  [ -n "$RECORDS" ] && break
  sleep 0.5
done
echo "records: $RECORDS"
echo "$RECORDS" | grep -q '"sender":"+821012345678"'
echo "$RECORDS" | grep -q '"prefix":"TEST","text":"안녕하세요 ToBeText"'
npm run --silent records

# The SMS's event, from the local stack's events log (README "Events").
for _ in $(seq 1 40); do
  EVENTS=$(npm run --silent events -- --json)
  echo "$EVENTS" | grep -q '"type":"inbound.received"' && break
  sleep 0.5
done
echo "events: $EVENTS"
echo "$EVENTS" | grep -q '"type":"inbound.received".*"sender":"+821012345678"'

# A status callback, as ToBeText posts one for a sent SMS, to the printed URL.
STATUS_URL=$(grep -i "status callback" "$CI_LOG" | grep -o 'http://[^ ]*' | head -1)
[ -n "$STATUS_URL" ] || { echo "no status callback URL printed"; exit 1; }
curl -sS -X POST "$STATUS_URL" -d 'CKey=order-1' -d 'Status=Success' -d 'MsgId=41aa33709703dea382c10a057823ffdc' \
  -d 'SendNum=821012341234' -d 'RecvNum=01012345678' -d 'ErrorCode=200' -d 'ErrorMsg=Message successfully sent' \
  | grep -q "<Status>Success</Status>"
for _ in $(seq 1 40); do
  STATUS=$(npm run --silent records -- --status --json)
  [ -n "$STATUS" ] && break
  sleep 0.5
done
echo "status records: $STATUS"
echo "$STATUS" | grep -q '"msgId":"41aa33709703dea382c10a057823ffdc"'
echo "$STATUS" | grep -q '"outcome":"delivered"'
npm run --silent records -- --status

# npm run smoke, pointed at the local stack: posts and reads back an SMS and a callback.
npm run --silent smoke -- --local
# npm run redrive against the local stack: nothing was dead-lettered, so nothing moves.
REDRIVE=$(npm run --silent redrive -- --local)
echo "$REDRIVE"
echo "$REDRIVE" | grep -q "^inboundSms: moved 0 message(s)"
echo "$REDRIVE" | grep -q "^statusCallbacks: moved 0 message(s)"
echo "$REDRIVE" | grep -q "^outbox: moved 0 message(s)"
# Sending through the simulator npm start runs, then the conformance conversation, every step.
SENT=$(npm run --silent send -- --to 010-1234-5678 --text "안녕하세요")
echo "send: $SENT"
echo "$SENT" | grep -Eq '"status":"(accepted|delivered)"'
npm run --silent records -- --sent
npm run --silent simulate
RECORDS=$(npm run --silent records -- --json)
stop

# A tool run against a deployment without credentials must say so in one line and stop (exit 2).
expect_no_credentials() {
  local tool=$1 outputs=$2 said code
  set +e
  said=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
    npm run --silent "$tool" -- --outputs "$outputs" 2>&1)
  code=$?
  set -e
  echo "$said"
  [ "$code" = 2 ] && echo "$said" | grep -q "needs AWS credentials" || { echo "$tool without credentials: exit $code"; exit 1; }
}

OUTPUTS=$(mktemp)
echo '{"ToBeTextReceiver-ci":{"InboundSmsUrl":"https://example.invalid/inbound"}}' >"$OUTPUTS"
expect_no_credentials smoke "$OUTPUTS"
expect_no_credentials simulate "$OUTPUTS"

cat >"$OUTPUTS" <<'JSON'
{"ToBeTextReceiver-ci": {
  "InboundSmsDeadLetterQueueArn": "arn:aws:sqs:ap-northeast-2:123456789012:inbound-dlq",
  "InboundSmsDeadLetterQueueUrl": "https://sqs.ap-northeast-2.amazonaws.com/123456789012/inbound-dlq",
  "StatusCallbacksDeadLetterQueueArn": "arn:aws:sqs:ap-northeast-2:123456789012:status-dlq",
  "StatusCallbacksDeadLetterQueueUrl": "https://sqs.ap-northeast-2.amazonaws.com/123456789012/status-dlq",
  "OutboxDeadLetterQueueArn": "arn:aws:sqs:ap-northeast-2:123456789012:outbox-dlq",
  "OutboxDeadLetterQueueUrl": "https://sqs.ap-northeast-2.amazonaws.com/123456789012/outbox-dlq"}}
JSON
expect_no_credentials redrive "$OUTPUTS"

# Records survive a restart.
start
AFTER=$(npm run --silent records -- --json)
stop
[ "$AFTER" = "$RECORDS" ] || { echo "records changed across a restart: $AFTER"; exit 1; }
echo "start smoke: ok"
