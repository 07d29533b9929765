package org.agenthypervisor.bench.liability;

import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.ContextCell;
import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.ClassPlan;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.log.Log;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.runtime.HypervisorRuntime;
import org.agenthypervisor.core.runtime.RuntimeOptions;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real {@link HypervisorRuntime} (gate, principals, liability engine, audit trail) with fake
 * agent classes registered as instrumented sites, so a benchmark can drive {@code Gate.enter} /
 * {@code enterWithDetails} / {@code exit} exactly as the woven advice does.
 */
final class LiabilityFixture implements AutoCloseable {
    final HypervisorRuntime runtime;
    final Path dataDir;

    /**
     * @param policyBody the policy after {@code version: 1} (agents, liability...)
     * @param audit      "log" for the real audit log, "none" for no audit trail
     * @param storage    "tmpfs" (/dev/shm when present: fsync is nearly free), "disk" (java.io.tmpdir), or
     *                   "postgres": the trust ledger in the shared store at {@code -Dbench.postgres.url}
     *                   (user postgres, no password, a fresh schema per trial)
     */
    LiabilityFixture(String policyBody, String audit, String storage) throws Exception {
        Path base = storage.equals("tmpfs") && Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm")
                : Path.of(System.getProperty("java.io.tmpdir"));
        this.dataDir = Files.createTempDirectory(base, "ah-liability-bench");
        // One WARN line per anomaly would flood JMH's console; what it costs is the application's logger's business.
        Log.setThreshold(Log.Level.ERROR);
        String store = "";
        if (storage.equals("postgres")) {
            String url = System.getProperty("bench.postgres.url");
            if (url == null) {
                throw new IllegalStateException("storage=postgres needs -Dbench.postgres.url=jdbc:postgresql://...");
            }
            store = "store:\n  postgres:\n    url: " + url + "\n    user: postgres\n    schema: bench_"
                    + Long.toHexString(System.nanoTime()) + "\n";
        }
        Policy policy = PolicyParser.parse("version: 1\ndataDir: " + dataDir + "\n" + store + policyBody, "bench.yaml");
        RuntimeOptions options = new RuntimeOptions(null, "benchmark", null, null, false, dataDir);
        this.runtime = HypervisorRuntime.start(options, policy,
                audit.equals("log") ? AuditLog::openFor : (dir, p) -> AuditTrail.NONE);
    }

    /** Registers {@code className} (bound to an agent by the policy); site ids by method name. */
    Map<String, Integer> register(String className) {
        List<MethodInfo> methods = List.of(
                new MethodInfo("take", "(Ljava/lang/String;J)V", Modifier.PUBLIC, List.of()),
                new MethodInfo("ask", "(Ljava/lang/String;)Ljava/lang/String;", Modifier.PUBLIC, List.of()));
        ClassInfo info = new ClassInfo(className, null, Modifier.PUBLIC, List.of(), methods);
        ClassPlan plan = runtime.gate().plan(info);
        int[] ids = runtime.gate().register(info, plan, 0);
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            out.put(plan.methods().get(i).name(), ids[i]);
        }
        return out;
    }

    /** Makes the calling thread run as {@code agent}. */
    void runAs(String agent) {
        Context context = Context.of(runtime.principals().agent(agent));
        ContextCell.obtain(context).set(context);
    }

    @Override
    public void close() throws IOException {
        ContextCell cell = ContextCell.peek();
        if (cell != null) {
            cell.set(runtime.gate().hostContext());
        }
        runtime.shutdown();
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
