package org.agenthypervisor.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy in front of PostgreSQL that, when armed, breaks the connection of the next transaction
 * that inserts audit records at its {@code COMMIT}: either after the server got the {@code COMMIT} (the
 * answer is lost: the transaction is applied and the client cannot know) or before (the transaction
 * is rolled back and the client cannot know either). Everything else passes through unchanged.
 */
final class CommitCuttingProxy implements AutoCloseable {
    enum Cut { ANSWER_LOST, COMMIT_LOST }

    private final ServerSocket server;
    private final int target;
    private final AtomicReference<Cut> armed = new AtomicReference<>();
    private final AtomicInteger cuts = new AtomicInteger();
    private final Thread acceptor;

    CommitCuttingProxy(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "commit-cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The JDBC URL through the proxy. */
    String url() {
        // Unnamed statements only, so every statement's text crosses the proxy and can be recognised.
        return "jdbc:postgresql://127.0.0.1:" + server.getLocalPort() + "/postgres?prepareThreshold=0";
    }

    /** Breaks the commit of the next transaction that inserts into an {@code audit_record} table, once. */
    void arm(Cut how) {
        armed.set(how);
    }

    int cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                new Connection(client, upstream).start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** One proxied connection: a pump each way, sharing what the client sent last. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private volatile boolean inserted;
        private volatile boolean cutAnswer;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            Thread up = new Thread(() -> pump(client, upstream, true), "proxy-up");
            Thread down = new Thread(() -> pump(upstream, client, false), "proxy-down");
            up.setDaemon(true);
            down.setDaemon(true);
            up.start();
            down.start();
        }

        private void pump(Socket from, Socket to, boolean fromClient) {
            byte[] buf = new byte[65_536];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (fromClient) {
                        String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                        Cut how = armed.get();
                        if (how != null && text.contains("INSERT INTO") && text.contains(".audit_record")) {
                            inserted = true;
                        }
                        if (how != null && inserted && text.contains("COMMIT") && armed.compareAndSet(how, null)) {
                            cuts.incrementAndGet();
                            if (how == Cut.COMMIT_LOST) {
                                closeBoth();
                                return;
                            }
                            cutAnswer = true;
                        }
                    } else if (cutAnswer) {
                        closeBoth(); // the server answered the COMMIT: the client never hears it
                        return;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException gone) {
                // either side closed
            } finally {
                closeBoth();
            }
        }

        private void closeBoth() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                upstream.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
