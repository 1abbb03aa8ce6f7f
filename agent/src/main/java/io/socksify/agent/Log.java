package io.socksify.agent;

import org.slf4j.Logger;
import org.slf4j.simple.SimpleLoggerFactory;

import java.util.Locale;

/**
 * socksify's loggers: slf4j-simple, relocated inside the agent jar, writing to stderr.
 *
 * <p>The factory is built directly instead of through {@code LoggerFactory}: its discovery reads the unrelocated
 * {@code slf4j.provider} property and the system class loader's service files, so an application's own slf4j
 * set-up could make it print warnings or pick another provider. Direct construction is deterministic and cheap.
 *
 * <p>The factory is made when a logger is first asked for (classes log through {@code Log.get("socksify")} at the
 * call, not through a static field), so a JVM's start, which logs one line, does not load slf4j-simple:
 * {@link #info} prints that line as slf4j-simple would.
 */
public final class Log {
    /** The relocated slf4j-simple keys (the shade plugin rewrites these literals together with slf4j-simple). */
    private static final String LEVEL_KEY = "org.slf4j.simpleLogger.defaultLogLevel";
    private static final String SHOW_THREAD_KEY = "org.slf4j.simpleLogger.showThreadName";
    private static final String LOG_FILE_KEY = "org.slf4j.simpleLogger.logFile";

    private static volatile SimpleLoggerFactory factory;
    /** the level configured, as slf4j-simple reads it */
    private static volatile String level = "info";

    private Log() {
    }

    /** Sets the level; must run before the first logger is created to take effect. */
    public static void configure(String level) {
        Log.level = level.toLowerCase(Locale.ROOT);
        System.setProperty(LEVEL_KEY, Log.level);
        System.setProperty(SHOW_THREAD_KEY, "false");
        System.setProperty(LOG_FILE_KEY, "System.err");
    }

    /**
     * slf4j-simple looks for {@code simplelogger.properties} through the thread's context class loader. socksify is
     * configured by its own options only, and the look-up of a resource outside every module's packages makes the
     * class loaders search all the JDK's modules first (about 10 ms of a JVM's start): the factory is made with a
     * context loader that has no resources.
     */
    private static SimpleLoggerFactory newFactory() {
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        thread.setContextClassLoader(NoResources.LOADER);
        try {
            return new SimpleLoggerFactory();
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    /** A class loader with no resources of its own and none from a parent. */
    private static final class NoResources extends ClassLoader {
        static final NoResources LOADER = new NoResources();

        private NoResources() {
            super(null);
        }

        @Override
        public java.io.InputStream getResourceAsStream(String name) {
            return null;
        }
    }

    /**
     * Logs {@code message} at info level to the logger {@code name}: before any logger exists, printed directly in
     * slf4j-simple's format as {@link #configure} sets it up ({@code INFO name - message} on stderr).
     */
    public static void info(String name, String message) {
        if (factory != null) {
            get(name).info(message);
        } else if (level.equals("trace") || level.equals("debug") || level.equals("info")) {
            System.err.println("INFO " + name + " - " + message);
            System.err.flush();
        }
    }

    /** @return whether the configured level logs debug messages (without making a logger) */
    public static boolean debugEnabled() {
        return factory != null ? get("socksify").isDebugEnabled() : level.equals("trace") || level.equals("debug");
    }

    public static Logger get(String name) {
        SimpleLoggerFactory f = factory;
        if (f == null) {
            synchronized (Log.class) {
                f = factory;
                if (f == null) {
                    factory = f = newFactory();
                }
            }
        }
        return f.getLogger(name);
    }
}
