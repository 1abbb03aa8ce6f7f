package io.socksify.agent.route;

import io.socksify.protocol.wire.Printable;
import io.socksify.agent.Log;
import io.socksify.agent.bootstrap.ConnectGuard;
import io.socksify.agent.bootstrap.Metrics;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What the last-line guard ({@link ConnectGuard}) does with a destination no router decided: the connect (or
 * datagram) fails before anything is sent, with an exception naming the destination, the calling class and method
 * and the JDK method it came through; it is counted in {@code LeaksBlocked} and logged at WARN, with the stack, once
 * per call site. Only this refusal path walks the stack.
 */
public final class LeakGuard implements ConnectGuard.Refusal {
    private static final LeakGuard INSTANCE = new LeakGuard();

    private final Map<String, Boolean> warned = new ConcurrentHashMap<>();

    private LeakGuard() {
    }

    /** Arms the guard: each installation's commit (a failed one disarms it again, {@code GuardTransport.clear}). */
    public static void install() {
        ConnectGuard.install(INSTANCE);
    }

    @Override
    public IOException refused(InetAddress address, int port, boolean datagram) {
        String[] site = callSite();
        String where = Printable.address(new InetSocketAddress(address, port));
        String message = "socksify: a direct " + (datagram ? "datagram" : "connection") + " to " + where + " by "
                + site[0] + (site[1].equals(site[0]) ? "" : " (through " + site[1] + ")") + " was refused; nothing"
                + " was sent. No socksify router decided this destination: it reached the operating system on a path"
                + " socksify does not route, so it fails instead of leaving the proxy out";
        IOException refused = datagram ? new SocketException(message) : new ConnectException(message);
        Metrics.LEAKS_BLOCKED.increment();
        Metrics.failed(refused);
        if (warned.putIfAbsent(site[0] + " " + site[1], Boolean.TRUE) == null) {
            Log.get("socksify").warn(message + " (logged once for this call site)", refused);
        }
        return refused;
    }

    /**
     * @return the caller (the first frame outside the JDK and socksify, else the outermost frame) and the JDK method
     *         that called {@code sun.nio.ch.Net} or sent the datagram, each as {@code class.method}
     */
    static String[] callSite() {
        List<StackWalker.StackFrame> frames = StackWalker.getInstance().walk(s -> s.collect(Collectors.toList()));
        String through = null;
        String outermost = null;
        for (StackWalker.StackFrame frame : frames) {
            String c = frame.getClassName();
            if (c.startsWith("io.socksify.agent.") || c.equals("sun.nio.ch.Net")) {
                continue;
            }
            String name = c + "." + frame.getMethodName();
            if (through == null) {
                through = name;
            }
            if (!jdk(c)) {
                return new String[] {name, through};
            }
            outermost = name;
        }
        return new String[] {outermost == null ? "an unknown caller" : outermost,
            through == null ? "sun.nio.ch.Net.connect" : through};
    }

    private static boolean jdk(String className) {
        return className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("sun.")
                || className.startsWith("jdk.") || className.startsWith("com.sun.");
    }
}
