package org.agenthypervisor.core.observe;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * Flight Recorder events, under the category "Agent Hypervisor". Record them with
 * {@code -XX:StartFlightRecording} and read them with {@code jfr print --categories "Agent Hypervisor"}.
 */
public final class FlightEvents {
    private FlightEvents() {
    }

    /**
     * Whether Flight Recorder is up in this JVM (a recording was started, now or earlier). Creating
     * the first event registers the event classes with Flight Recorder, which starts its metadata
     * repository: about 50 ms, paid at the first denial of a JVM that records nothing. Until a
     * recording starts, no event is created.
     */
    public static boolean recording() {
        return jdk.jfr.FlightRecorder.isInitialized();
    }

    @Name("org.agenthypervisor.RingDenied")
    @Label("Ring Denied")
    @Category("Agent Hypervisor")
    @Description("A call refused (or, in audit mode, that would have been refused) by a ring check")
    @StackTrace(true)
    public static final class RingDenied extends Event {
        @Label("Agent")
        public String agent;
        @Label("Method")
        public String method;
        @Label("Effective Ring")
        public int effectiveRing;
        @Label("Granted Ring")
        public int grantedRing;
        @Label("Required Ring")
        public int requiredRing;
        @Label("Requirement Source")
        public String source;
        @Label("Enforced")
        public boolean enforced;
    }

    @Name("org.agenthypervisor.HandoffRefused")
    @Label("Hand-off Refused")
    @Category("Agent Hypervisor")
    @Description("An agent refused a payload because the sender or its chain was below its minimum trust")
    public static final class HandoffRefused extends Event {
        @Label("Sender")
        public String sender;
        @Label("Receiver")
        public String receiver;
        @Label("Method")
        public String method;
        @Label("Untrusted Agent")
        public String untrustedAgent;
        @Label("Trust")
        public double trust;
        @Label("Minimum Trust")
        public double minTrust;
    }

    @Name("org.agenthypervisor.Slashed")
    @Label("Trust Slashed")
    @Category("Agent Hypervisor")
    @Description("An agent's trust score was lowered by an anomaly")
    @StackTrace(false)
    public static final class Slashed extends Event {
        @Label("Agent")
        public String agent;
        @Label("Before")
        public double before;
        @Label("After")
        public double after;
        @Label("Distance")
        public int distance;
        @Label("Reason")
        public String reason;
    }

    @Name("org.agenthypervisor.SagaTransition")
    @Label("Saga Transition")
    @Category("Agent Hypervisor")
    @Description("A saga or one of its steps changed state")
    @StackTrace(false)
    public static final class SagaTransition extends Event {
        @Label("Saga")
        public String saga;
        @Label("Step")
        public String step;
        @Label("State")
        public String state;
        @Label("Method")
        public String method;
    }
}
