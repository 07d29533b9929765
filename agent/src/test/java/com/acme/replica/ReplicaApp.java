package com.acme.replica;

import org.agenthypervisor.api.Hypervisor;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * One replica. Prints {@code READY <ring>} once the hypervisor's MXBean is up, then, from another
 * thread, {@code RING <ring> <micros>} whenever the teller's effective ring changes (polled every
 * 0.2 ms; the wall clock in microseconds, which every JVM on the machine shares). Reads commands:
 * {@code violate} (the teller oversteps: a slash, printing {@code VIOLATE <micros>} first),
 * {@code restore} (an operator sets its trust back to 1 through JMX {@code setTrust}, printing
 * {@code RESTORE <micros>} first), {@code session N} (a session with N audited writes), {@code quit}.
 */
public final class ReplicaApp {
    private ReplicaApp() {
    }

    static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** {@code session N}: a session with N writes (N audited deltas) and its close (a signed tree head). */
    static void session(int writes) {
        try (org.agenthypervisor.api.Session s = Hypervisor.openSession("replica")) {
            for (int i = 0; i < writes; i++) {
                s.state().put("k" + i, "v" + i);
            }
            say("DONE session " + writes);
        } catch (RuntimeException refused) {
            say("DONE session: " + refused.getClass().getSimpleName() + ": " + refused.getMessage());
        }
    }

    public static void main(String[] args) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("org.agenthypervisor:type=Hypervisor");
        while (!server.isRegistered(name)) {
            Thread.sleep(20);
        }
        Teller teller = new Teller();
        Thread watcher = new Thread(() -> {
            int last = Hypervisor.effectiveRing("teller");
            while (true) {
                int now = Hypervisor.effectiveRing("teller");
                if (now != last) {
                    say("RING " + now + " " + micros());
                    last = now;
                }
                LockSupport.parkNanos(200_000);
            }
        }, "ring-watcher");
        watcher.setDaemon(true);
        say("READY " + Hypervisor.effectiveRing("teller"));
        watcher.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line.trim()) {
                case "violate" -> {
                    say("VIOLATE " + micros());
                    try {
                        teller.overstep();
                        say("DONE violate: not denied");
                    } catch (SecurityException denied) {
                        say("DONE violate: " + denied.getClass().getSimpleName());
                    }
                }
                case "restore" -> {
                    say("RESTORE " + micros());
                    try {
                        Object r = server.invoke(name, "setTrust", new Object[] {"teller", 1.0, "test: restore"},
                                new String[] {String.class.getName(), double.class.getName(), String.class.getName()});
                        say("DONE restore: " + r);
                    } catch (javax.management.JMException | RuntimeException refused) {
                        Throwable cause = refused;
                        while (cause.getCause() != null) {
                            cause = cause.getCause();
                        }
                        say("DONE restore: refused: " + cause.getMessage());
                    }
                }
                case "quit" -> {
                    say("BYE");
                    return;
                }
                default -> {
                    if (line.startsWith("session ")) {
                        session(Integer.parseInt(line.substring("session ".length()).trim()));
                    } else {
                        say("UNKNOWN " + line);
                    }
                }
            }
        }
    }
}
