package org.agenthypervisor.it;

import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: weaving a governed class fails (made to, for {@code com.acme.desk.Db}, by the test-only JVM
 * option {@code -Dagenthypervisor.test.failWeaving}). Under {@code onInternalError: deny} (the
 * default) its governed methods must not run unchecked: they throw; under {@code allow} they run, and
 * the ERROR says they are unchecked. The ERROR is logged inside the transformer, so seeing it also
 * shows that lines buffered there are written afterwards.
 */
class WeaveFailureIT {
    static Result run(String name, String policy) {
        Path dir = ChildJvm.freshWorkDir(name);
        ChildJvm.write(dir, "policy.yaml", policy);
        Result r = ChildJvm.withAgent("policy=policy.yaml").jvmArg("-Dagenthypervisor.test.failWeaving=com.acme.desk.Db")
                .in(dir).run("com.acme.desk.DeskApp", "host-db", "support-db", "db-executed");
        assertEquals(0, r.exitCode(), r::toString);
        List<String> errors = r.output().lines()
                .filter(l -> l.contains("ERROR org.agenthypervisor.instrumentation - could not instrument com.acme.desk.Db")).toList();
        assertEquals(1, errors.size(), r::toString);
        List<Map<String, Object>> problems = AuditRecords.ofType(r.dataDir(), "instrumentation.problem");
        assertEquals(1, problems.size(), () -> AuditRecords.read(r.dataDir()).toString());
        assertTrue(problems.get(0).get("problem").toString().startsWith("could not instrument com.acme.desk.Db: "), problems::toString);
        return r;
    }

    @Test
    void underDenyAClassThatCouldNotBeWovenRefusesItsGovernedMethods() {
        Result r = run("weave-fails-deny", RingsIT.DESK_POLICY);
        String refusal = "denied:SecurityException:agent-hypervisor: com.acme.desk.Db could not be instrumented"
                + " (java.lang.IllegalStateException: weaving failed on purpose";
        assertTrue(r.result("host-db").startsWith(refusal), r::toString);
        assertTrue(r.result("host-db").endsWith("so its governed methods are refused (fail closed; the policy can say"
                + " onInternalError: allow)"), r::toString);
        assertTrue(r.result("support-db").startsWith(refusal), r::toString);
        assertEquals("0", r.result("db-executed"), "a refused method's body must not run");
        assertTrue(r.output().contains("every governed method (1) now throws SecurityException (onInternalError: deny)"),
                r::toString);
    }

    @Test
    void underAllowItRunsUncheckedAndSaysSo() {
        Result r = run("weave-fails-allow", RingsIT.DESK_POLICY + "onInternalError: allow\n");
        assertEquals("allowed:updated: host update", r.result("host-db"));
        assertEquals("allowed:updated: delete from refunds", r.result("support-db"), "unchecked: the ring-3 agent got in");
        assertEquals("2", r.result("db-executed"));
        assertTrue(r.output().contains("its governed methods run UNCHECKED (onInternalError: allow)"), r::toString);
    }
}
