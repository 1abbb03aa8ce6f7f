package io.socksify.it.agent;

import io.socksify.it.apps.ConnectApp;
import io.socksify.it.support.ChildJvm;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hooks of a class the JVM has not loaded at start are applied when it loads; a JDK on which one cannot apply
 * must not run the class unhooked. Simulated with the JDK's own {@code sun.nio.ch.NioSocketImpl}, its
 * {@code connect(SocketAddress, int)} renamed and patched into {@code java.base} ({@code --patch-module}), as a JDK
 * that changed the method would look: the JVM starts (nothing had loaded the class), and halts with one line naming
 * the class when the application's first {@code Socket} loads it, before any connection. Negative control: the same
 * application on the unpatched JDK gets as far as socksify refusing the connection (the proxy is a closed port).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HookAtLoadIT {
    private static final String SOCKET_IMPL = "sun/nio/ch/NioSocketImpl";

    private static ChildJvm connect(Path jdk, String... jvmArgs) {
        // 10.255.255.1 is no bypass; the proxy is a closed loopback port, so nothing leaves the machine.
        return ChildJvm.builder(ConnectApp.class).javaHome(jdk).agent("proxy=socks5://127.0.0.1:1")
                .jvmArgs(jvmArgs).args("ip", "10.255.255.1", "9", "2000").run(Apps.CHILD_TIMEOUT);
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void aClassWhoseHookCannotApplyHaltsTheJvmAsItLoads(Path jdk, @TempDir Path patch) throws IOException {
        Path classFile = patch.resolve(SOCKET_IMPL + ".class");
        Files.createDirectories(classFile.getParent());
        Files.write(classFile, withoutConnect(jdkClass(jdk, SOCKET_IMPL)));

        ChildJvm child = connect(jdk, "--patch-module", "java.base=" + patch);

        assertEquals(1, child.exitCode(), child.describe());
        assertTrue(child.stderr().contains("socksify: cannot hook sun.nio.ch.NioSocketImpl as it loads, so nothing may"
                + " run unrouted; halting the JVM: "), child.describe());
        assertTrue(child.stderr().contains("sun.nio.ch.NioSocketImpl has no connect(Ljava/net/SocketAddress;I)V"),
                child.describe());
        // The agent had installed (the JVM started), and the application never got to connect.
        assertTrue(child.stderr().contains("routing through socks5://127.0.0.1:1"), child.describe());
        assertFalse(child.stdout().contains("FAILED") || child.stdout().contains("REMOTE"), child.describe());
    }

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void theSameApplicationOnTheUnpatchedJdkReachesSocksify(Path jdk) {
        ChildJvm child = connect(jdk);

        assertEquals(3, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("FAILED java.net.ConnectException socksify: cannot connect to proxy"
                + " socks5://127.0.0.1:1"), child.describe());
    }

    private static byte[] jdkClass(Path jdk, String internalName) throws IOException {
        try (FileSystem jrt = FileSystems.newFileSystem(URI.create("jrt:/"), Map.of("java.home", jdk.toString()))) {
            return Files.readAllBytes(jrt.getPath("modules", "java.base", internalName + ".class"));
        }
    }

    private static byte[] withoutConnect(byte[] original) {
        ClassWriter writer = new ClassWriter(0);
        new ClassReader(original).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                boolean hooked = name.equals("connect") && descriptor.equals("(Ljava/net/SocketAddress;I)V");
                return super.visitMethod(access, hooked ? "connectRenamedForTest" : name, descriptor, signature,
                        exceptions);
            }
        }, 0);
        return writer.toByteArray();
    }
}
