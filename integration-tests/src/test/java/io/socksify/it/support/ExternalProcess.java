package io.socksify.it.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process started from a test: stdout and stderr are drained completely by two threads, every wait is
 * bounded, and every failure message carries the command, the exit code and both outputs.
 *
 * <p>{@link #close()} kills the process and its descendants, so use it in try-with-resources.
 */
public final class ExternalProcess implements AutoCloseable {

    /** The most output kept per stream; a runaway child must not exhaust the test JVM's heap. */
    private static final int MAX_CAPTURE_CHARS = 8 * 1024 * 1024;
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

    private final List<String> command;
    private final Process process;
    private final Capture stdout;
    private final Capture stderr;
    private volatile boolean killedAfterTimeout;

    private ExternalProcess(List<String> command, Process process) {
        this.command = List.copyOf(command);
        this.process = process;
        this.stdout = new Capture(process.getInputStream(), "stdout of pid " + process.pid());
        this.stderr = new Capture(process.getErrorStream(), "stderr of pid " + process.pid());
    }

    /** Starts {@code command} with stdin closed, in the current directory, with this JVM's environment. */
    public static ExternalProcess start(String... command) {
        return start(List.of(command), Map.of(), null);
    }

    /**
     * Starts {@code command} with stdin closed.
     *
     * @param environment added to (and overriding) this JVM's environment; a {@code null} value removes a variable
     * @param directory the working directory, or {@code null} for the current one
     */
    public static ExternalProcess start(List<String> command, Map<String, String> environment, Path directory) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        try {
            return new ExternalProcess(command, builder.start());
        } catch (IOException e) {
            throw new AssertionError("cannot start " + String.join(" ", command) + ": " + e, e);
        }
    }

    /** Starts {@code command}, waits for it to exit (killing it after {@code timeout}) and returns it. */
    public static ExternalProcess run(Duration timeout, String... command) {
        return start(command).awaitExit(timeout);
    }

    /**
     * Waits until the process has exited and its output is fully read. On timeout the process (and its
     * descendants) is killed and an {@link AssertionError} describing it, with its output so far, is thrown.
     */
    public ExternalProcess awaitExit(Duration timeout) {
        boolean exited;
        try {
            exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new AssertionError("interrupted while waiting for " + this, e);
        }
        if (!exited) {
            killedAfterTimeout = true;
            kill();
            throw new AssertionError("process did not exit within " + timeout + " and was killed\n" + describe());
        }
        stdout.await(DRAIN_TIMEOUT);
        stderr.await(DRAIN_TIMEOUT);
        return this;
    }

    /**
     * Waits until stdout contains {@code text} and returns stdout as read so far. Fails (without killing the
     * process) if the process exits first or {@code timeout} passes.
     */
    public String awaitStdout(String text, Duration timeout) {
        return awaitOutput(stdout, text, timeout);
    }

    /** Like {@link #awaitStdout}, for stderr. */
    public String awaitStderr(String text, Duration timeout) {
        return awaitOutput(stderr, text, timeout);
    }

    private String awaitOutput(Capture capture, String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (capture) {
            while (true) {
                String sofar = capture.text();
                if (sofar.contains(text)) {
                    return sofar;
                }
                if (capture.done) {
                    throw new AssertionError("the " + capture.name + " ended without \"" + text + "\"\n" + describe());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no \"" + text + "\" in the " + capture.name + " within " + timeout
                            + "\n" + describe());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(capture, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Fails with {@link #describe()} unless the process has exited with {@code expected}. */
    public ExternalProcess assertExitCode(int expected) {
        if (process.isAlive()) {
            throw new AssertionError("expected exit code " + expected + " but the process is still running (call"
                    + " awaitExit first)\n" + describe());
        }
        if (process.exitValue() != expected) {
            throw new AssertionError("expected exit code " + expected + " but got " + process.exitValue() + "\n"
                    + describe());
        }
        return this;
    }

    /** The exit code; fails if the process is still running. */
    public int exitCode() {
        if (process.isAlive()) {
            throw new AssertionError("the process is still running\n" + describe());
        }
        return process.exitValue();
    }

    /** Everything read from stdout so far (all of it after {@link #awaitExit}). */
    public String stdout() {
        return stdout.text();
    }

    /** Everything read from stderr so far (all of it after {@link #awaitExit}). */
    public String stderr() {
        return stderr.text();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    public List<String> command() {
        return command;
    }

    /** Command, state, and both outputs: meant for failure messages. */
    public String describe() {
        String state;
        if (process.isAlive()) {
            state = "running";
        } else {
            state = "exit code " + process.exitValue() + (killedAfterTimeout ? " (killed after timeout)" : "");
        }
        return "command: " + String.join(" ", command) + "\n"
                + "pid " + process.pid() + ", " + state + "\n"
                + "----- stdout -----\n" + stdout.text() + (stdout.text().endsWith("\n") ? "" : "\n")
                + "----- stderr -----\n" + stderr.text() + (stderr.text().endsWith("\n") ? "" : "\n")
                + "------------------";
    }

    /**
     * Asks the process to stop (SIGTERM) and waits up to {@code grace} for it and its descendants to exit;
     * whatever is left is killed ({@link #kill()}).
     */
    public void terminate(Duration grace) {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        family.add(process.toHandle());
        process.destroy();
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle handle : family) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                break;
            }
        }
        if (family.stream().anyMatch(ProcessHandle::isAlive)) {
            family.forEach(ProcessHandle::destroyForcibly);
        }
        kill();
    }

    /** Kills the process and every descendant, waiting a bounded time for them to go. */
    public void kill() {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        family.add(process.toHandle());
        family.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + KILL_TIMEOUT.toNanos();
        for (ProcessHandle handle : family) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // Reported below if it is still alive.
            }
        }
        List<Long> survivors = family.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
        stdout.await(DRAIN_TIMEOUT);
        stderr.await(DRAIN_TIMEOUT);
        if (!survivors.isEmpty()) {
            throw new AssertionError("processes " + survivors + " survived SIGKILL for " + KILL_TIMEOUT);
        }
    }

    /**
     * Sends a signal by name (for example {@code "QUIT"} to make a JVM print its threads) through
     * {@code kill(1)}; the JDK itself can send only TERM and KILL.
     */
    public void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the process tree if it is still running. */
    @Override
    public void close() {
        if (process.isAlive() || process.descendants().findAny().isPresent()) {
            kill();
        } else {
            stdout.await(DRAIN_TIMEOUT);
            stderr.await(DRAIN_TIMEOUT);
        }
    }

    @Override
    public String toString() {
        return "pid " + process.pid() + ": " + String.join(" ", command);
    }

    /** Reads one stream to its end on a daemon thread; waiters are notified on this object. */
    private static final class Capture implements Runnable {
        private final InputStream in;
        private final String name;
        private final StringBuilder text = new StringBuilder();
        private final Thread thread;
        private boolean truncated;
        private boolean done;

        Capture(InputStream in, String name) {
            this.in = in;
            this.name = name;
            this.thread = new Thread(this, "drain " + name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            char[] buffer = new char[8192];
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                int n;
                while ((n = reader.read(buffer)) != -1) {
                    synchronized (this) {
                        if (text.length() + n <= MAX_CAPTURE_CHARS) {
                            text.append(buffer, 0, n);
                        } else if (!truncated) {
                            truncated = true;
                            text.append("\n[output truncated at ").append(MAX_CAPTURE_CHARS).append(" chars]\n");
                        }
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    text.append("\n[reading ").append(name).append(" failed: ").append(e).append("]\n");
                }
            } finally {
                synchronized (this) {
                    done = true;
                    notifyAll();
                }
            }
        }

        synchronized String text() {
            return text.toString();
        }

        void await(Duration timeout) {
            try {
                thread.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
