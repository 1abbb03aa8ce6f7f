package io.socksify.it.apps;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Socket;

/**
 * Sets a {@code SocketImplFactory} and a {@code DatagramSocketImplFactory}, as an old application might; run by
 * {@code ImplFactoryIT}. Prints {@code SOCKET set} or {@code SOCKET refused <exception> <message>}, the same for
 * {@code DATAGRAM}. The factories are never used: the application makes no socket afterwards.
 */
public final class ImplFactoryApp {
    private ImplFactoryApp() {
    }

    @SuppressWarnings("deprecation")
    public static void main(String[] args) {
        try {
            Socket.setSocketImplFactory(() -> {
                throw new UnsupportedOperationException("never used");
            });
            System.out.println("SOCKET set");
        } catch (IOException e) {
            System.out.println("SOCKET refused " + e.getClass().getName() + " " + e.getMessage());
        }
        try {
            DatagramSocket.setDatagramSocketImplFactory(() -> {
                throw new UnsupportedOperationException("never used");
            });
            System.out.println("DATAGRAM set");
        } catch (IOException e) {
            System.out.println("DATAGRAM refused " + e.getClass().getName() + " " + e.getMessage());
        }
    }
}
