package io.socksify.agent;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void manifestMakesItAnAgentAndACommand() throws IOException {
        try (JarFile jar = jar()) {
            Attributes a = jar.getManifest().getMainAttributes();
            assertEquals("io.socksify.agent.AgentMain", a.getValue("Premain-Class"));
            assertEquals("io.socksify.agent.AgentMain", a.getValue("Agent-Class"));
            assertEquals("io.socksify.agent.AgentMain", a.getValue("Main-Class"));
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
