package io.socksify.agent;

/**
 * The agent's version, written into this class by the build (the agent pom filters {@code src/main/templates}): read
 * at start, where finding and opening the agent's jar for its manifest would cost a few milliseconds.
 */
public final class Version {
    /** The project version, as the jar manifest's {@code Implementation-Version}. */
    public static final String VERSION = "${project.version}";

    private Version() {
    }
}
