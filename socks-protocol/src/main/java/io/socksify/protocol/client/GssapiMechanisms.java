package io.socksify.protocol.client;

import java.io.IOException;
import java.io.InputStream;

/**
 * Creates the {@link GssapiMechanism} implementation ({@code jgss.JgssMechanism}) where socks-protocol's own class
 * loader cannot link it.
 *
 * <p>Loaded by a loader that sees {@code java.security.jgss} (the application's, or the platform loader and its
 * children), the implementation is an ordinary class of that loader. Loaded by the boot loader (socksify's agent
 * puts its jar, with a relocated socks-protocol, on the boot class path), it is not: the boot loader does not see
 * the platform loader's modules. Then the implementation's classes (the {@code jgss} subpackage, nothing else) are
 * defined by one loader made here, a child of the platform loader that defines those names itself from socks-protocol's
 * own class files and delegates every other name, so the implementation sees JGSS and shares every other type,
 * {@link GssapiMechanism} and {@link GssapiOptions} included, with the boot loader's copy. Package names are computed
 * from this class, so a relocated copy (the agent's shaded one) finds its own relocated implementation.
 */
final class GssapiMechanisms {
    private static final String PACKAGE = GssapiMechanisms.class.getPackageName() + ".jgss.";
    private static final String IMPLEMENTATION = PACKAGE + "JgssMechanism";
    private static volatile Class<?> implementation;

    private GssapiMechanisms() {
    }

    /** @return a new implementation instance (one per {@link GssapiOptions}: it keeps the login) */
    static GssapiMechanism create() throws IOException {
        try {
            return (GssapiMechanism) implementation().getConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IOException("GSS-API: cannot load the Kerberos mechanism " + IMPLEMENTATION + " (module "
                    + "java.security.jgss missing from this runtime?): " + e, e);
        }
    }

    private static Class<?> implementation() throws ClassNotFoundException {
        Class<?> c = implementation;
        if (c == null) {
            synchronized (GssapiMechanisms.class) {
                c = implementation;
                if (c == null) {
                    ClassLoader own = GssapiMechanisms.class.getClassLoader();
                    ClassLoader loader = own != null && seesJgss(own) ? own
                            : new OwnLoader(ClassLoader.getPlatformClassLoader());
                    c = Class.forName(IMPLEMENTATION, true, loader);
                    implementation = c;
                }
            }
        }
        return c;
    }

    private static boolean seesJgss(ClassLoader loader) {
        try {
            Class.forName("org.ietf.jgss.GSSManager", false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Defines the {@code jgss} subpackage's classes itself (child first); every other name is its parent's. */
    private static final class OwnLoader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        OwnLoader(ClassLoader parent) {
            super("socksify-gssapi", parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith(PACKAGE)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (!name.startsWith(PACKAGE)) {
                throw new ClassNotFoundException(name);
            }
            String resource = name.replace('.', '/') + ".class";
            // The boot loader's copy has no loader to ask; the jar is also on the system class path (an agent's
            // jar always is), and the system loader finds what the boot class path has.
            try (InputStream in = ClassLoader.getSystemResourceAsStream(resource)) {
                if (in == null) {
                    throw new ClassNotFoundException(name + " (no " + resource + ")");
                }
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }
    }
}
