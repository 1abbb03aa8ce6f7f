#!/usr/bin/env bash
# Installs the real SOCKS peers and clients that socksify's integration tests run against, and checks
# that the JDKs the tests launch child JVMs on are here. Idempotent; run as root on Debian 12.
#
#   bash scripts/setup.sh
#
# Environment:
#   SOCKSIFY_SETUP_FORCE_APT=1   run apt-get update and install even when every package is present
#   SOCKSIFY_JDK25=/path         a JDK 25 (or newer) home to use instead of scanning for one
#
# The JDK 25 search lives in scripts/jdks.sh (also sourced by .ci/run; Jdks.java scans the same places).
set -euo pipefail

# shellcheck source=scripts/jdks.sh
source "$(dirname "${BASH_SOURCE[0]}")/jdks.sh"

PACKAGES=(
    maven                    # the build (README: mvn -B verify)
    openjdk-17-jdk-headless  # the JDK the build and the JDK-17 child JVMs run on
    dante-server             # danted: SOCKS4/5 with CONNECT, BIND, UDP ASSOCIATE, username auth
    microsocks               # SOCKS5 CONNECT only
    curl                     # --socks4/--socks4a/--socks5/--socks5-hostname client
    python3-socks            # PySocks: the one scriptable client here with UDP ASSOCIATE
    ncat                     # --proxy-type socks4|socks5 client
    libio-socket-socks-perl  # IO::Socket::Socks: scriptable SOCKS4/4a/5 client (BIND) and server
    openjdk-17-source        # src.zip of JDK 17, for reading what java.base really does
    strace                   # NoLocalLookupIT: proves no DNS query leaves a JVM under dns=remote
    iproute2                 # NetworkNamespaceIT: ip netns, the veth pair
    nftables                 # NetworkNamespaceIT: nft, the namespace's packet counters
)

log() { printf 'setup.sh: %s\n' "$*"; }
die() { printf 'setup.sh: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (it installs Debian packages and the Dante tests create a system user)"

is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 && ${SOCKSIFY_SETUP_FORCE_APT:-0} != 1 ]]; then
    log "all packages already installed: ${PACKAGES[*]}"
else
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get update"
    apt-get update -q
    available=()
    for p in "${PACKAGES[@]}"; do
        if apt-cache show "$p" >/dev/null 2>&1; then
            available+=("$p")
        else
            log "WARNING: package $p does not exist in this machine's apt sources; skipping it"
        fi
    done
    # Debian starts a freshly installed daemon through invoke-rc.d. A policy-rc.d that answers 101 forbids
    # that for the duration of the install, so no system danted ever starts on port 1080. An existing
    # policy (container images ship one) is left alone.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# temporary, written by socksify scripts/setup.sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    log "apt-get install -y ${available[*]}"
    apt-get install -y -q --no-install-recommends "${available[@]}"
fi

# The tests start their own danted on free ports. A system danted is never wanted: disable it so it does
# not come back at boot, and stop it if it runs (on port 1080 it would only confuse a person debugging).
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-enabled --quiet danted.service 2>/dev/null || systemctl is-active --quiet danted.service; then
        log "disabling and stopping the system danted service"
        systemctl disable --now danted.service >/dev/null 2>&1 || true
    fi
else
    if [[ -x /etc/init.d/danted ]]; then
        /etc/init.d/danted stop >/dev/null 2>&1 || true
        update-rc.d danted disable >/dev/null 2>&1 || true
    fi
fi
if command -v ss >/dev/null 2>&1 && ss -Hltnp 'sport = :1080' 2>/dev/null | grep danted >/dev/null; then
    log "WARNING: a danted still listens on port 1080 (not ours); the tests use free ports and do not need it"
fi

# A name only a proxy resolves: the system resolver (so Dante and microsocks) maps it to 127.0.0.1 through
# /etc/hosts, while a child JVM run with -Djdk.net.hosts.file=<a file without it> cannot resolve it.
PROXY_ONLY_NAME=socksify-target.test
if grep -qE "^127\.0\.0\.1[[:space:]]+([^#]*[[:space:]])?${PROXY_ONLY_NAME//./\\.}([[:space:]]|\$)" /etc/hosts; then
    log "/etc/hosts already maps $PROXY_ONLY_NAME to 127.0.0.1"
elif printf '127.0.0.1 %s\n' "$PROXY_ONLY_NAME" >> /etc/hosts 2>/dev/null; then
    log "added '127.0.0.1 $PROXY_ONLY_NAME' to /etc/hosts"
else
    log "WARNING: cannot write /etc/hosts; tests that need $PROXY_ONLY_NAME will fail"
fi
[[ $(getent hosts "$PROXY_ONLY_NAME" || true) == 127.0.0.1* ]] || die "$PROXY_ONLY_NAME does not resolve to 127.0.0.1"

# Executables and modules the tests call.
for exe in danted microsocks curl ncat perl ip nft; do
    path=$(PATH="$PATH:/usr/sbin:/sbin" command -v "$exe" || true)
    [[ -n $path ]] || die "$exe not found after install"
    log "found $exe: $path"
done
# python3 on PATH may be another interpreter (pyenv); the tests use Debian's, which has PySocks.
/usr/bin/python3 -c 'import socks' 2>/dev/null || die "/usr/bin/python3 cannot import socks (python3-socks)"
log "found /usr/bin/python3 with PySocks"
perl -MIO::Socket::Socks -e 1 2>/dev/null || die "perl cannot load IO::Socket::Socks (libio-socket-socks-perl)"

# GSS-API (RFC 1961) peers: a KDC's tools and a Dante built with GSS-API from Debian's source, cached by version.
bash "$(dirname "${BASH_SOURCE[0]}")/gssapi-peers.sh" || die "scripts/gssapi-peers.sh failed"

# JDKs: the test JVM's own (17) and a JDK 25. Debian 12 packages no JDK 25, so it has to be on the
# machine already (the image ships Temurin 25 under /usr/lib/jvm); setup.sh only checks.
jdk25=$(socksify_find_jdk25) || die "no JDK 25 (or newer) found: scanned \$SOCKSIFY_JDK25, \$JAVA_HOME, \
/usr/lib/jvm/*, /opt/*, /opt/java/*; install one there or set SOCKSIFY_JDK25"
log "JDK 25: $jdk25 ($("$jdk25/bin/java" -version 2>&1 | head -1))"
log "default java: $(command -v java) ($(java -version 2>&1 | head -1))"
log "done"
