package io.socksify.agent.instrument;

import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prologues go into the running JDK's own {@code sun.nio.ch} classes (the build runs this on JDK 17; the ITs
 * load them into JDK 17 and 25), each as the first instructions of its method, and a JDK without one of the methods
 * is refused with a message naming it.
 */
class ChannelHooksTest {

    private static byte[] jdkClass(String internalName) throws IOException {
        try (InputStream in = Object.class.getModule().getResourceAsStream(internalName + ".class")) {
            return in.readAllBytes();
        }
    }

    /** "method: first call" for each method whose first call goes to the channel dispatcher. */
    private static List<String> dispatchingMethods(byte[] classFile) {
        List<String> found = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    private boolean firstCall = true;

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (firstCall && owner.equals("io/socksify/agent/bootstrap/nio/ChannelDispatcher")) {
                            found.add(name + descriptor + ": " + method);
                        }
                        firstCall = false;
                    }
                };
            }
        }, 0);
        return found;
    }

    @Test
    void hooksConnectFinishConnectAndReadinessOfSocketChannelImpl() throws IOException {
        byte[] rewritten = TestRewrites.rewrite(Hooks.SOCKET_CHANNEL,
                jdkClass(Hooks.SOCKET_CHANNEL));
        assertEquals(List.of(
                "connect(Ljava/net/SocketAddress;)Z: connect",
                "finishConnect()Z: finishConnectPending",
                "blockingConnect(Ljava/net/SocketAddress;J)V: blockingConnect",
                "translateReadyOps(IILsun/nio/ch/SelectionKeyImpl;)Z: translateReadyOps"),
                sorted(dispatchingMethods(rewritten), List.of("connect(", "finishConnect", "blockingConnect",
                        "translateReadyOps")));
    }

    @Test
    void hooksTheInterestTranslationOfSelectionKeyImpl() throws IOException {
        byte[] rewritten = TestRewrites.rewrite(Hooks.SELECTION_KEY,
                jdkClass(Hooks.SELECTION_KEY));
        assertEquals(List.of("translateInterestOps()I: interestEvents"), dispatchingMethods(rewritten));
    }

    @Test
    void hooksBothConnectsOfAsynchronousSocketChannelImpl() throws IOException {
        byte[] rewritten = TestRewrites.rewrite(Hooks.ASYNC_SOCKET_CHANNEL,
                jdkClass(Hooks.ASYNC_SOCKET_CHANNEL));
        List<String> found = dispatchingMethods(rewritten);
        assertEquals(2, found.size(), found.toString());
        assertTrue(found.stream().allMatch(f -> f.startsWith("connect(") && f.endsWith(": connectAsync")),
                found.toString());
    }

    @Test
    void refusesAJdkWithoutTheExpectedMethodNamingIt() throws IOException {
        byte[] original = jdkClass(Hooks.SELECTION_KEY);
        // The same class with translateInterestOps renamed, as a JDK that changed it would look.
        ClassWriter writer = new ClassWriter(0);
        new ClassReader(original).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                return super.visitMethod(access, name.equals("translateInterestOps") ? "renamed" : name, descriptor,
                        signature, exceptions);
            }
        }, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestRewrites.rewrite(Hooks.SELECTION_KEY, writer.toByteArray()));
        assertEquals("sun.nio.ch.SelectionKeyImpl has no translateInterestOps()I on this JDK", e.getMessage());
    }

    /** Orders {@code found} by the position of their method names in {@code order} (class file order varies). */
    private static List<String> sorted(List<String> found, List<String> order) {
        List<String> result = new ArrayList<>(found);
        result.sort((a, b) -> Integer.compare(index(a, order), index(b, order)));
        return result;
    }

    private static int index(String entry, List<String> order) {
        for (int i = 0; i < order.size(); i++) {
            if (entry.startsWith(order.get(i))) {
                return i;
            }
        }
        return order.size();
    }
}
