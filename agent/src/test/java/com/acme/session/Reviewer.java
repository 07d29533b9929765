package com.acme.session;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Session;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Reads what the planner wrote, by key, from the same session. */
@Agent("reviewer")
public class Reviewer {
    public String readCase() {
        return (String) Session.current().state().get("case");
    }

    public long caseVersion() {
        return Session.current().state().version("case");
    }

    public boolean casCase(long expectedVersion, String value) {
        return Session.current().state().compareAndSet("case", expectedVersion, value);
    }

    /** The session follows the task into a pool thread. */
    public String inExecutor() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            return pool.submit(() -> Session.current().id() + "|" + Session.current().state().get("case")).get();
        } finally {
            pool.shutdown();
        }
    }
}
