package com.acme.session;

import org.agenthypervisor.api.Agent;
import org.agenthypervisor.api.Session;

/** Writes the refund case into the session it is called in; nobody passes the case along. */
@Agent("planner")
public class Planner {
    public String open(String refundCase) {
        Session.current().state().put("case", refundCase);
        return Session.current().id();
    }

    public long amend(String refundCase) {
        return Session.current().state().put("case", refundCase);
    }

    /** Writes through a session reference it kept (used after the session was closed). */
    public long amendVia(Session session, String refundCase) {
        return session.state().put("case", refundCase);
    }

    public int steps(int n) {
        for (int i = 0; i < n; i++) {
            Session.current().state().put("step", i);
        }
        return n;
    }
}
