package io.socksify.agent.config;

/**
 * A configuration value socksify cannot use. The message is one line naming the key, the value (with any password
 * masked) and what is expected; it is printed as is before the JVM stops.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    ConfigException(String key, String shownValue, String expected) {
        super("socksify: bad value for " + key + ": '" + shownValue + "' (expected: " + expected + ")");
    }

    ConfigException(String message) {
        super("socksify: " + message);
    }
}
