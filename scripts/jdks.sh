#!/usr/bin/env bash
# JDK discovery shared by scripts/setup.sh and .ci/run (source it; it only defines functions). The Java side,
# integration-tests/src/test/java/io/socksify/it/support/Jdks.java, scans the same places in the same order and
# picks the same way (keep them in step):
#   $SOCKSIFY_JDK25, $JAVA_HOME, /usr/lib/jvm/*, /opt/*, /opt/java/*
# A JDK home is a directory with bin/java and a release file whose JAVA_VERSION names the feature release.

# Prints the feature release (17, 25, ...) of the JDK home $1, or nothing if it is not one.
socksify_jdk_feature() {
    local rel="$1/release"
    [[ -f $rel && -x $1/bin/java ]] || return 0
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel" | head -1
}

# Prints the real path of a JDK 25 from the places above: the first whose release says 25, else the oldest newer
# one (the first of equals); fails if there is none. An explicit SOCKSIFY_JDK25 that is not a JDK 25 or newer is an
# error, never a reason to look elsewhere.
socksify_find_jdk25() {
    local c f newer="" newer_feature=""
    if [[ -n ${SOCKSIFY_JDK25:-} ]]; then
        f=$(socksify_jdk_feature "$SOCKSIFY_JDK25")
        if [[ -n $f && $f -ge 25 ]]; then
            readlink -f "$SOCKSIFY_JDK25"
            return 0
        fi
        printf 'SOCKSIFY_JDK25=%s is not a JDK 25 or newer (no bin/java, or its release file says %s)\n' \
            "$SOCKSIFY_JDK25" "${f:-nothing}" >&2
        return 1
    fi
    for c in ${JAVA_HOME:-} /usr/lib/jvm/* /opt/* /opt/java/*; do
        [[ -d $c ]] || continue
        f=$(socksify_jdk_feature "$c")
        [[ -n $f ]] || continue
        if [[ $f -eq 25 ]]; then
            readlink -f "$c"
            return 0
        fi
        if [[ $f -gt 25 && ( -z $newer_feature || $f -lt $newer_feature ) ]]; then
            newer=$c
            newer_feature=$f
        fi
    done
    [[ -n $newer ]] || return 1
    readlink -f "$newer"
}
