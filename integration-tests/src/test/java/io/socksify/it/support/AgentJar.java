package io.socksify.it.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** The socksify agent jar under test: the file named by the system property {@code socksify.agent.jar}. */
public final class AgentJar {

    /** Set by integration-tests/pom.xml to {@code agent/target/socksify-agent.jar}. */
    public static final String PROPERTY = "socksify.agent.jar";

    private AgentJar() {
    }

    /** The agent jar's absolute path; fails clearly when the property is unset or the jar was not built. */
    public static Path path() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            throw new AssertionError("system property " + PROPERTY + " is not set; run the integration tests"
                    + " through Maven (mvn verify), whose failsafe configuration sets it");
        }
        Path jar = Path.of(value).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("the agent jar " + jar + " does not exist; build it with mvn package"
                    + " (mvn -B verify from the repository root builds it before the integration tests)");
        }
        return jar;
    }
}
