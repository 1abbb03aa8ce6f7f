package io.socksify.agent.route.nio;

import java.nio.channels.CompletionHandler;

/**
 * A completion handler handed to the JDK inside {@code ChannelDispatcher.direct}. The JDK may call a connect's
 * handler at once, on the connecting thread (a connect that fails or completes immediately, made from a thread of
 * the channel group, such as an application's own completion handler): that call would still be inside the direct
 * scope, where nothing the application does may run. Such a call is held back and made by {@link #release()}, once
 * the scope is left; calls from other threads go through at once.
 */
final class OutsideDirectScope<V> implements CompletionHandler<V, Object> {
    private final CompletionHandler<V, Object> target;
    // Guarded by this.
    private Thread scope = Thread.currentThread();
    private boolean held;
    private V result;
    private Throwable failure;
    private Object attachment;

    /** Created on the thread about to enter the scope. */
    OutsideDirectScope(CompletionHandler<V, Object> target) {
        this.target = target;
    }

    @Override
    public void completed(V value, Object a) {
        synchronized (this) {
            if (scope == Thread.currentThread()) {
                held = true;
                result = value;
                attachment = a;
                return;
            }
        }
        target.completed(value, a);
    }

    @Override
    public void failed(Throwable exc, Object a) {
        synchronized (this) {
            if (scope == Thread.currentThread()) {
                held = true;
                failure = exc;
                attachment = a;
                return;
            }
        }
        target.failed(exc, a);
    }

    /** Called in a {@code finally} right after the scope: makes the call held back, if any. */
    void release() {
        synchronized (this) {
            scope = null;
            if (!held) {
                return;
            }
            held = false;
        }
        if (failure != null) {
            target.failed(failure, attachment);
        } else {
            target.completed(result, attachment);
        }
    }
}
