package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §1: the context follows the task. The ring-3 agent hands a task built by host code to a pool
 * (or a thread); inside, the task must still run as that agent and be denied the ledger. Without
 * propagation it would run as the host, which may call anything.
 */
class PropagationIT {
    private static final String EXPECTED = "allowed:support|denied:RingViolationException:agent 'support'";
    /** Nine denials by one agent on purpose: the breaker (issue 15) would quarantine it after the seventh. */
    private static final String POLICY = RingsIT.DESK_POLICY + "liability:\n  breach:\n    minCalls: 1000000\n";

    private static void assertRanAsSupport(Result r, String scenario) {
        assertTrue(r.result(scenario).startsWith(EXPECTED), () -> scenario + ": " + r.result(scenario) + "\n" + r);
    }

    @Test
    void executorsCompletableFuturesForkJoinAndThreadsKeepTheContext() {
        Result r = RingsIT.runDesk("propagation", POLICY, "executor", "execute", "scheduled", "completable",
                "completable-pool", "forkjoin", "fj-adapt", "recursive", "thread", "executed");
        for (String scenario : new String[] {"executor", "execute", "scheduled", "completable", "completable-pool",
                "forkjoin", "fj-adapt", "recursive", "thread"}) {
            assertRanAsSupport(r, scenario);
        }
        assertEquals("0", r.result("executed"), "no task reached the ledger's body");
    }

    @Test
    void virtualThreadsKeepTheContext() {
        Assumptions.assumeTrue(ChildJvm.javaVersion() >= 21, "virtual threads need Java 21+");
        Result r = RingsIT.runDesk("virtual", POLICY, "virtual", "executed");
        assertRanAsSupport(r, "virtual");
        assertEquals("0", r.result("executed"));
    }

    @Test
    void theHostsOwnTasksRunAsTheHost() {
        Result r = RingsIT.runDesk("host-tasks", RingsIT.DESK_POLICY, "executor", "host-executor");
        assertRanAsSupport(r, "executor");
        assertEquals("allowed:host|allowed:rows for host executor", r.result("host-executor"),
                "a pool worker first used by an agent must not keep that agent's context");
    }

    @Test
    void aWorkerAnAgentUsedReturnsToNoContextForTheHostsNextTask() {
        Result r = RingsIT.runDesk("shared-worker", RingsIT.DESK_POLICY, "shared-worker");
        assertEquals("support", r.result("shared-worker-agent"), r::toString);
        assertEquals("host", r.result("shared-worker-host"), "the agent's context must not stay on the worker");
        assertEquals("support", r.result("shared-fj-agent"), r::toString);
        assertEquals("host", r.result("shared-fj-host"), "nor on a fork/join worker");
    }

    @Test
    void aNamedTaskClassAnAgentWroteRunsAsThatAgentWhenTheHostRunsIt() {
        Result r = RingsIT.runDesk("nested-task", RingsIT.DESK_POLICY, "nested-task", "executed");
        assertTrue(r.result("nested-task").startsWith("denied:RingViolationException:agent 'support'"), r::toString);
        assertEquals("0", r.result("executed"));
    }

    @Test
    void aDelayedExecutorsTasksKeepTheirSubmittersContextAndTheSchedulerKeepsNone() {
        // On JDK 25 the delay runs on the common pool's scheduler thread, which the agent starts first here.
        Result r = RingsIT.runDesk("delayed", RingsIT.DESK_POLICY, "delayed", "host-delayed", "executed");
        assertRanAsSupport(r, "delayed");
        assertEquals("allowed:host", r.result("host-delayed"), "the scheduler thread must not keep the agent's context");
        assertEquals("0", r.result("executed"));
    }
}
