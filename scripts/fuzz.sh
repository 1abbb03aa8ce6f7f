#!/usr/bin/env bash
# Fuzzes one Jazzer target for a time budget (FUZZING.md). Usage:
#   scripts/fuzz.sh TARGET [SECONDS [EXECUTIONS]]
#       TARGET: one of the names below; SECONDS default 300; EXECUTIONS: stop after that many runs (default: none)
#   scripts/fuzz.sh list
# The generated corpus grows in MODULE/.cifuzz-corpus/<class>/<method>/ (not committed); a finding is written to
# MODULE/src/test/resources/<package>/<Class>Inputs/<method>/ and from then on replayed by every `mvn verify`.
# Run targets one at a time: each takes a core.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A TARGETS=(
    [server-handshake]="socks-protocol io.socksify.protocol.fuzz.ServerHandshakeFuzzTest#handshake"
    [server-session]="socks-protocol io.socksify.protocol.server.SocksServerFuzzTest#session"
    [client-reply]="socks-protocol io.socksify.protocol.fuzz.ClientReplyFuzzTest#replies"
    [udp-header]="socks-protocol io.socksify.protocol.fuzz.UdpHeaderFuzzTest#header"
    [gssapi-framing]="socks-protocol io.socksify.protocol.fuzz.GssapiFramingFuzzTest#framing"
    [agent-config]="agent io.socksify.agent.config.AgentConfigFuzzTest#configuration"
    [agent-bypass]="agent io.socksify.agent.config.AgentConfigFuzzTest#bypass"
    [agent-routes]="agent io.socksify.agent.config.RoutesFuzzTest#routes"
)

if [[ $# -lt 1 || "$1" == list || -z "${TARGETS[$1]:-}" ]]; then
    echo "usage: scripts/fuzz.sh TARGET [SECONDS]; targets: ${!TARGETS[*]}" >&2
    [[ $# -ge 1 && "$1" == list ]] && exit 0 || exit 2
fi
read -r module test <<<"${TARGETS[$1]}"
extra=()
if [[ "$1" == server-session ]]; then
    # A SOCKS server connects where its clients say: that is its job, not a request forgery.
    extra=(-Djazzer.disabled_hooks=com.code_intelligence.jazzer.sanitizers.ServerSideRequestForgery)
fi
seconds="${2:-300}"
executions="${3:-0}"
# jazzer-junit fuzzes (instead of replaying) when JAZZER_FUZZ is set.
JAZZER_FUZZ=1 exec mvn -B test -pl "$module" -am \
    -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration="${seconds}s" \
    -Djazzer.max_executions="$executions" \
    -DtrimStackTrace=false "${extra[@]}"
