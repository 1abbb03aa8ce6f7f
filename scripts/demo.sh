#!/usr/bin/env bash
# The main job, from a fresh checkout: builds the agent jar, starts socksify's SOCKS server (from the same jar) with
# its outgoing address set to 127.0.0.2, and runs examples/Demo.java under the agent. Demo knows nothing of SOCKS;
# its own HTTP server reports where each request came from: 127.0.0.2, the proxy, not the program.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jar=agent/target/socksify-agent.jar
echo "== building $jar"
mvn -B -q -DskipTests package

log=$(mktemp)
trap 'kill "$server_pid" 2>/dev/null || true; rm -f "$log"' EXIT
echo "== starting socksify's SOCKS server: java -jar $jar server --port 0 --outgoing 127.0.0.2"
java -jar "$jar" server --port 0 --outgoing 127.0.0.2 >"$log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || { echo "the server did not start:"; cat "$log"; exit 1; }
cat "$log"

echo "== running examples/Demo.java with -javaagent:$jar=proxy=socks5://127.0.0.1:$port,bypass=none"
java -javaagent:"$jar=proxy=socks5://127.0.0.1:$port,bypass=none" examples/Demo.java

sleep 0.3
echo "== what the SOCKS server relayed"
grep -v "listening" "$log" || true
