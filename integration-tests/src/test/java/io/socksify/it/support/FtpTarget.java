package io.socksify.it.support;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An FTP server on 127.0.0.1 with just enough of RFC 959 for {@code ftp://user:password@127.0.0.1:port/name} from the
 * JDK's {@code FtpURLConnection}: {@code USER}, {@code PASS}, {@code TYPE}, {@code PASV}, {@code RETR}, {@code QUIT}
 * ({@code EPSV} is refused, so the JDK falls back to {@code PASV}; anything else is answered 502). One file, one user.
 * Control and data connections alike are served only from the accepted source, and recorded: a client that reaches
 * it through a proxy sending from 127.0.0.2 shows two accepted sources (control, data) and no rejected one.
 *
 * <pre>
 *  client                                   FtpTarget
 *    | ---- control connect --------------->  |  220
 *    | USER u / PASS p / TYPE I               |  331 / 230 / 200
 *    | PASV                                   |  227 Entering Passive Mode (127,0,0,1,p1,p2)
 *    | ---- data connect to p1*256+p2 ------>  |
 *    | RETR name                              |  150, the file on the data connection, close, 226
 *    | QUIT                                   |  221
 * </pre>
 */
public final class FtpTarget extends RecordingTarget {

    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int DATA_ACCEPT_MILLIS = 10_000;

    private final ServerSocket control;
    private final InetSocketAddress address;
    private final String user;
    private final String password;
    private final String fileName;
    private final byte[] content;
    private final Thread thread;
    private final List<String> commands = new ArrayList<>();
    private volatile boolean closed;
    private volatile Socket session;
    private volatile ServerSocket data;

    private FtpTarget(InetAddress acceptedSource, String user, String password, String fileName, byte[] content)
            throws IOException {
        super(acceptedSource);
        this.user = user;
        this.password = password;
        this.fileName = fileName;
        this.content = content.clone();
        this.control = new ServerSocket();
        control.bind(new InetSocketAddress(Loopback.LOCALHOST, 0), 50);
        this.address = (InetSocketAddress) control.getLocalSocketAddress();
        this.thread = new Thread(this::serve, "it-target-ftp-" + IDS.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    /** Serves {@code fileName} with {@code content} to {@code user}/{@code password} from {@code source} only. */
    public static FtpTarget acceptingOnly(InetAddress source, String user, String password, String fileName,
            byte[] content) {
        try {
            return new FtpTarget(source, user, password, fileName, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    /** The commands received so far, {@code PASS} masked. */
    public synchronized List<String> commands() {
        return List.copyOf(commands);
    }

    private void serve() {
        while (!closed) {
            try (Socket s = control.accept()) {
                if (!admit((InetSocketAddress) s.getRemoteSocketAddress())) {
                    continue;
                }
                session = s;
                s.setSoTimeout(DATA_ACCEPT_MILLIS);
                converse(s);
            } catch (IOException e) {
                // A closed target or a client gone: the client sees it; wait for the next session.
            } finally {
                closeQuietly(data);
                session = null;
            }
        }
    }

    private void converse(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
        reply(out, "220 socksify test FTP");
        boolean userOk = false;
        boolean loggedIn = false;
        String line;
        while ((line = in.readLine()) != null) {
            String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
            String arg = line.length() > verb.length() ? line.substring(verb.length() + 1) : "";
            synchronized (this) {
                commands.add(verb.equals("PASS") ? "PASS ***" : line);
            }
            switch (verb) {
                case "USER" -> {
                    userOk = arg.equals(user);
                    reply(out, "331 password please");
                }
                case "PASS" -> {
                    loggedIn = userOk && arg.equals(password);
                    reply(out, loggedIn ? "230 logged in" : "530 login incorrect");
                }
                case "TYPE" -> reply(out, loggedIn ? "200 type set" : "530 log in first");
                case "PASV" -> {
                    if (!loggedIn) {
                        reply(out, "530 log in first");
                        continue;
                    }
                    closeQuietly(data);
                    ServerSocket d = new ServerSocket();
                    d.bind(new InetSocketAddress(Loopback.LOCALHOST, 0), 1);
                    d.setSoTimeout(DATA_ACCEPT_MILLIS);
                    data = d;
                    int port = d.getLocalPort();
                    reply(out, "227 Entering Passive Mode (127,0,0,1," + (port >> 8) + "," + (port & 0xff) + ")");
                }
                case "RETR" -> retrieve(out, arg, loggedIn);
                case "QUIT" -> {
                    reply(out, "221 bye");
                    return;
                }
                default -> reply(out, "502 not implemented: " + verb);
            }
        }
    }

    private void retrieve(Writer out, String name, boolean loggedIn) throws IOException {
        ServerSocket d = data;
        data = null;
        if (!loggedIn || d == null) {
            closeQuietly(d);
            reply(out, loggedIn ? "425 use PASV first" : "530 log in first");
            return;
        }
        try (d; Socket connection = d.accept()) {
            if (!admit((InetSocketAddress) connection.getRemoteSocketAddress())) {
                reply(out, "425 data connection refused");
                return;
            }
            if (!name.equals(fileName)) {
                reply(out, "550 no such file: " + name);
                return;
            }
            reply(out, "150 opening data connection for " + name + " (" + content.length + " bytes)");
            OutputStream o = connection.getOutputStream();
            o.write(content);
            o.flush();
        }
        reply(out, "226 transfer complete");
    }

    private static void reply(Writer out, String line) throws IOException {
        out.write(line + "\r\n");
        out.flush();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(control);
        closeQuietly(data);
        closeQuietly(session);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException e) {
            // Closing is best effort.
        }
    }
}
