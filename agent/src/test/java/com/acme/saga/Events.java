package com.acme.saga;

/** What the fixture's steps and compensations did, printed at once ("EVENT ...") so a halted JVM leaves it behind. */
public final class Events {
    private Events() {
    }

    public static synchronized void note(String event) {
        System.out.println("EVENT " + event);
        System.out.flush();
    }

    public static void result(String name, Object value) {
        System.out.println("RESULT " + name + " " + value);
        System.out.flush();
    }
}
