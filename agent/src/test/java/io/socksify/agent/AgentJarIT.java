package io.socksify.agent;

import net.bytebuddy.jar.asm.ClassReader;
import org.junit.jupiter.api.Test;

import java.io.File;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shaded agent jar: everything relocated under io/socksify, the manifest an agent needs, services merged. */
class AgentJarIT {
    private static JarFile jar() throws IOException {
        String path = System.getProperty("socksify.agent.jar", "target/socksify-agent.jar");
        return new JarFile(path);
    }

    @Test
    void everyEntryIsUnderIoSocksifyOrMetaInf() throws IOException {
        List<String> stray = new ArrayList<>();
        try (JarFile jar = jar()) {
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                String n = e.getName();
                if (!n.startsWith("io/socksify/") && !n.startsWith("META-INF/") && !n.equals("io/")) {
                    stray.add(n);
                }
                if (n.startsWith("META-INF/") && n.endsWith(".class")) {
                    stray.add(n);
                }
            }
        }
        assertEquals(List.of(), stray);
    }

    @Test
    void dependenciesAreRelocated() throws IOException {
        try (JarFile jar = jar()) {
            List<String> names = java.util.Collections.list(jar.entries()).stream().map(JarEntry::getName).toList();
            assertTrue(names.stream().noneMatch(n -> n.startsWith("net/bytebuddy/") || n.startsWith("org/slf4j/")
                    || n.startsWith("io/socksify/protocol/") || n.endsWith("module-info.class")
                    || n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA")), "unrelocated entries");
            assertTrue(names.contains("io/socksify/agent/shaded/bytebuddy/jar/asm/ClassReader.class"));
            assertTrue(names.contains("io/socksify/agent/shaded/slf4j/simple/SimpleLoggerFactory.class"));
            assertTrue(names.contains("io/socksify/agent/shaded/protocol/client/SocksHandshake.class"));
            // The bootstrap package's name is what advice inlined into java.base links against: keep it stable.
            assertTrue(names.contains("io/socksify/agent/bootstrap/Dispatcher.class"));
        }
    }

    /** Of Byte Buddy only its repackaged ASM core runs (the agent writes its prologues with ASM and attaches with
     *  jdk.attach), so nothing else of it may be shaded in: 3,000 classes and 4 MB that no JVM loads. */
    @Test
    void onlyByteBuddysAsmCoreIsShaded() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (JarFile jar = jar()) {
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                String n = e.getName();
                if (n.startsWith("io/socksify/agent/shaded/bytebuddy/") && n.endsWith(".class")) {
                    packages.add(n.substring(0, n.lastIndexOf('/')));
                }
            }
        }
        assertEquals(Set.of("io/socksify/agent/shaded/bytebuddy/jar/asm"), packages);
    }

    @Test
    void jarIsSmall() throws IOException {
        File file = new File(System.getProperty("socksify.agent.jar", "target/socksify-agent.jar"));
        int classes;
        try (JarFile jar = jar()) {
            classes = (int) jar.stream().filter(e -> e.getName().endsWith(".class")).count();
        }
        // 555 KB and about 280 classes when written; the whole of Byte Buddy was 4.6 MB and 3,100 classes.
        assertTrue(file.length() < 900_000, "jar of " + file.length() + " bytes");
        assertTrue(classes < 450, classes + " classes");
    }

    /** Every class a shaded class names is in the jar or the JDK: minimizing the shade left nothing out. */
    @Test
    void everyReferencedClassIsInTheJarOrTheJdk() throws IOException {
        Set<String> missing = new TreeSet<>();
        try (JarFile jar = jar()) {
            Set<String> present = new TreeSet<>();
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                if (e.getName().endsWith(".class")) {
                    present.add(e.getName().substring(0, e.getName().length() - ".class".length()));
                }
            }
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                if (!e.getName().endsWith(".class")) {
                    continue;
                }
                ClassReader reader = new ClassReader(jar.getInputStream(e).readAllBytes());
                char[] buffer = new char[reader.getMaxStringLength()];
                for (int i = 1; i < reader.getItemCount(); i++) {
                    int offset = reader.getItem(i);
                    // A CONSTANT_Class entry (tag 7, JVMS 4.4.1) names a class by a UTF-8 entry's index.
                    if (offset == 0 || reader.readByte(offset - 1) != 7) {
                        continue;
                    }
                    String name = reader.readUTF8(offset, buffer);
                    while (name.startsWith("[")) {
                        name = name.substring(1);
                    }
                    if (name.startsWith("L") && name.endsWith(";")) {
                        name = name.substring(1, name.length() - 1);
                    }
                    if (name.length() <= 1 || present.contains(name)) {
                        continue;
                    }
                    if (name.startsWith("io/socksify/") || ClassLoader.getSystemClassLoader()
                            .getResource(name + ".class") == null) {
                        missing.add(name + " (from " + e.getName() + ")");
                    }
                }
            }
        }
        assertEquals(Set.of(), missing);
    }

    /** The shade plugin rewrites every class it relocates: the build's ACC_VARARGS must survive it. */
    @Test
    void theEntryPointsInTheJarAreFlaggedVariableArity() throws IOException {
        List<String> flagged = new ArrayList<>();
        try (JarFile jar = jar()) {
            ClassReader reader = new ClassReader(
                    jar.getInputStream(jar.getEntry("io/socksify/agent/AgentMain.class")).readAllBytes());
            reader.accept(new net.bytebuddy.jar.asm.ClassVisitor(net.bytebuddy.jar.asm.Opcodes.ASM9) {
                @Override
                public net.bytebuddy.jar.asm.MethodVisitor visitMethod(int access, String name, String descriptor,
                        String signature, String[] exceptions) {
                    if ((access & net.bytebuddy.jar.asm.Opcodes.ACC_VARARGS) != 0) {
                        flagged.add(name + descriptor);
                    }
                    return null;
                }
            }, ClassReader.SKIP_CODE);
        }
        assertEquals(List.of("premain(Ljava/lang/String;Ljava/lang/instrument/Instrumentation;)V",
                "agentmain(Ljava/lang/String;Ljava/lang/instrument/Instrumentation;)V"), flagged);
    }

    @Test
    void manifestMakesItAnAgentAndACommand() throws IOException {
        try (JarFile jar = jar()) {
            Attributes a = jar.getManifest().getMainAttributes();
            assertEquals("io.socksify.agent.AgentMain", a.getValue("Premain-Class"));
            assertEquals("io.socksify.agent.AgentMain", a.getValue("Agent-Class"));
            assertEquals("io.socksify.agent.cli.Cli", a.getValue("Main-Class"));
            assertEquals("true", a.getValue("Can-Retransform-Classes"));
            assertEquals("true", a.getValue("Can-Redefine-Classes"));
            assertEquals("socksify-agent.jar", a.getValue("Boot-Class-Path"));
            assertNotNull(a.getValue("Implementation-Version"));
        }
    }

    @Test
    void relocatedSlf4jProviderServiceFileIsPresent() throws IOException {
        try (JarFile jar = jar()) {
            JarEntry e = jar.getJarEntry("META-INF/services/io.socksify.agent.shaded.slf4j.spi.SLF4JServiceProvider");
            assertNotNull(e, "relocated slf4j service file");
            String content = new String(jar.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(content.contains("io.socksify.agent.shaded.slf4j.simple.SimpleServiceProvider"), content);
            assertTrue(jar.getJarEntry("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") == null);
        }
    }
}
