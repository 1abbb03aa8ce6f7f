package io.socksify.it.support;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Detects threads a test leaves behind in the test JVM:
 * <pre>{@code
 * ThreadLeaks before = ThreadLeaks.snapshot();
 * ... start and close targets, clients ...
 * before.assertNoNewThreads(Duration.ofSeconds(5));
 * }</pre>
 * Threads of the JDK's shared pools that live on by design (the common fork-join pool, the HTTP client's
 * selector manager, process reapers, attach listeners) are ignored.
 */
public final class ThreadLeaks {

    private static final Set<String> IGNORED_PREFIXES = Set.of("ForkJoinPool.commonPool-", "process reaper",
            "Attach Listener", "Common-Cleaner", "HttpClient-", "Keep-Alive-", "surefire-", "junit-",
            "Signal Dispatcher", "Notification Thread");

    private final Set<Thread> before;

    private ThreadLeaks(Set<Thread> before) {
        this.before = before;
    }

    /** The threads alive now. */
    public static ThreadLeaks snapshot() {
        return new ThreadLeaks(Thread.getAllStackTraces().keySet());
    }

    /**
     * Waits up to {@code grace} for every thread started since {@link #snapshot()} to end, then fails listing
     * the survivors with their stacks.
     */
    public void assertNoNewThreads(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        Map<Thread, StackTraceElement[]> leaked;
        while (true) {
            leaked = Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> e.getKey().isAlive() && !before.contains(e.getKey()) && !ignored(e.getKey()))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            if (leaked.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                break;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        StringBuilder message = new StringBuilder(leaked.size() + " thread(s) still alive " + grace + " after the"
                + " test:\n");
        leaked.forEach((thread, stack) -> message.append("  \"").append(thread.getName()).append("\" ")
                .append(thread.getState()).append(thread.isDaemon() ? " daemon" : "").append('\n')
                .append(Arrays.stream(stack).limit(15).map(f -> "      at " + f).collect(Collectors.joining("\n")))
                .append('\n'));
        throw new AssertionError(message.toString());
    }

    private static boolean ignored(Thread thread) {
        return IGNORED_PREFIXES.stream().anyMatch(prefix -> thread.getName().startsWith(prefix));
    }
}
