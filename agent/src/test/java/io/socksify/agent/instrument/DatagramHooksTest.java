package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prologues go into this JDK's own {@code DatagramChannelImpl}, one call into the dispatcher per hooked method. */
class DatagramHooksTest {

    private static byte[] jdkClass() throws Exception {
        try (InputStream in = Files.newInputStream(FileSystems.getFileSystem(URI.create("jrt:/"))
                .getPath("modules", "java.base", "sun/nio/ch/DatagramChannelImpl.class"))) {
            return in.readAllBytes();
        }
    }

    /** @return "method(descriptor) -> dispatcherMethod" for every dispatcher call in the class */
    private static List<String> dispatcherCalls(byte[] classFile) {
        List<String> calls = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String methodDescriptor,
                            boolean isInterface) {
                        if (owner.equals("io/socksify/agent/bootstrap/udp/DatagramDispatcher")) {
                            calls.add(name + descriptor + " -> " + method);
                        }
                    }
                };
            }
        }, 0);
        return calls;
    }

    @Test
    void hooksEveryDatagramPathOfThisJdk() throws Exception {
        List<String> calls = dispatcherCalls(TestRewrites.rewrite(Hooks.DATAGRAM_CHANNEL, jdkClass()));
        assertEquals(9, calls.size(), calls.toString()); // one of the two blockingReceive shapes
        assertTrue(calls.contains("send(Ljava/nio/ByteBuffer;Ljava/net/SocketAddress;)I -> send"), calls.toString());
        assertTrue(calls.contains("implCloseSelectableChannel()V -> closed"), calls.toString());
        assertTrue(calls.stream().anyMatch(c -> c.startsWith("blockingReceive(")), calls.toString());
    }

    @Test
    void refusesAClassWithoutTheExpectedMethods() throws Exception {
        byte[] other = Files.readAllBytes(FileSystems.getFileSystem(URI.create("jrt:/"))
                .getPath("modules", "java.base", "java/lang/Object.class"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestRewrites.rewrite(Hooks.DATAGRAM_CHANNEL, other));
        assertTrue(e.getMessage().startsWith("sun.nio.ch.DatagramChannelImpl has no "), e.getMessage());
    }
}
