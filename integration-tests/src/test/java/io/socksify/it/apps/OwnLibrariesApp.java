package io.socksify.it.apps;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.implementation.FixedValue;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.Socket;

import static net.bytebuddy.matcher.ElementMatchers.named;

/**
 * An application that bundles its own (unrelocated) Byte Buddy and slf4j binding, as Mockito or Hibernate users do:
 * it generates a class with its Byte Buddy, logs through its slf4j, then makes a connection:
 * {@code <host> <port>} of an echo target.
 */
public final class OwnLibrariesApp {
    private OwnLibrariesApp() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> generated = new ByteBuddy().subclass(Object.class).method(named("toString"))
                .intercept(FixedValue.value("made by the app's Byte Buddy")).make()
                .load(OwnLibrariesApp.class.getClassLoader()).getLoaded();
        System.out.println("GENERATED " + generated.getDeclaredConstructor().newInstance());
        System.out.println("BYTEBUDDY " + ByteBuddy.class.getName() + " from "
                + ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation());
        System.out.println("SLF4J " + LoggerFactory.getILoggerFactory().getClass().getName());
        LoggerFactory.getLogger("app").info("the app's own logging");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 5_000);
            ConnectApp.echo(s);
        }
        System.out.println("OK");
    }
}
