package org.agenthypervisor.bench.session;

import org.agenthypervisor.api.Session;
import org.agenthypervisor.core.audit.AuditLog;
import org.agenthypervisor.core.audit.AuditTrail;
import org.agenthypervisor.core.audit.TreeHead;
import org.agenthypervisor.core.context.Context;
import org.agenthypervisor.core.context.Principal;
import org.agenthypervisor.core.context.Principals;
import org.agenthypervisor.core.crypto.Ed25519;
import org.agenthypervisor.core.crypto.SigningKey;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.agenthypervisor.core.observe.Counters;
import org.agenthypervisor.core.policy.Policy;
import org.agenthypervisor.core.policy.PolicyParser;
import org.agenthypervisor.core.session.SessionManager;
import org.agenthypervisor.core.store.Durability;
import org.agenthypervisor.core.store.RecordLog;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Issue 5: the reference's "full governance pipeline": create a session, join an agent, three deltas,
 * one saga step, close with a Merkle root. The reference takes about 180–270 µs for it in memory,
 * unsigned. Targets: at most 20 µs without the signature, at most 20 µs plus one Ed25519 signature
 * (about 35 µs here) with the signed tree head.
 *
 * <ul>
 *   <li>{@link #pipelineUnsigned}: the real session engine and the real audit log (durability
 *   {@code none}: the pipeline is measured in memory, like the reference); closing computes and audits
 *   the root but does not wait for a tree head (the trail passes records on and declines to sign).</li>
 *   <li>{@link #pipelineSigned}: the same, and closing waits until the writer has written every record
 *   of the pipeline and signed a tree head naming the session and its root.</li>
 * </ul>
 * The saga step is its journal record: the encoded arguments, appended to a {@link RecordLog}
 * (durability {@code none}), as the saga engine journals a step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class GovernancePipelineBench {
    static final String POLICY = """
            version: 1
            agents:
              billing:
                ring: 2
            audit:
              durability: none
            """;

    Path dir;
    AuditLog audit;
    SessionManager signed;
    SessionManager unsigned;
    Context host;
    Principal billing;
    RecordLog journal;
    long n;
    final SigningKey key = Ed25519.generate();
    final byte[] message = new byte[180];

    /** Passes records to the real log, but does not sign a head when a session closes. */
    static final class NoSignature implements AuditTrail {
        final AuditTrail delegate;

        NoSignature(AuditTrail delegate) {
            this.delegate = delegate;
        }

        @Override
        public void record(String type, Map<String, Object> fields) {
            delegate.record(type, fields);
        }

        @Override
        public void flush() {
            delegate.flush();
        }

        @Override
        public TreeHead signTreeHead(String reason, Map<String, Object> subject) {
            return null;
        }

        @Override
        public void close() {
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("pipeline-bench");
        Policy policy = PolicyParser.parse(POLICY, "bench.yaml");
        audit = AuditLog.open(dir, policy.audit());
        Principals principals = new Principals(policy);
        signed = new SessionManager(policy, principals, audit, new Counters());
        unsigned = new SessionManager(policy, principals, new NoSignature(audit), new Counters());
        host = Context.of(principals.host());
        billing = principals.agent("billing");
        journal = RecordLog.open(dir.resolve("saga"), "journal", RecordLog.Options.defaults().withDurability(Durability.NONE));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        journal.close();
        audit.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Session pipeline(SessionManager sessions) throws Exception {
        long i = n++;
        Session s = sessions.open(host, "refund-case");
        sessions.admit(s, billing);
        s.state().put("case", "refund " + i);
        s.state().put("amount", 4200L);
        s.state().put("status", "approved");
        // One saga step: its journal record with the encoded arguments.
        journal.append(CanonicalJson.object()
                .put("type", "step.started")
                .put("step", i)
                .put("method", "com.acme.Billing#refund(String,long)")
                .put("args", PayloadEncoder.encodeArguments(new Object[] {"order-7", 4200L}).jsonString())
                .toBytes());
        s.close();
        return s;
    }

    @Benchmark
    public Session pipelineUnsigned() throws Exception {
        return pipeline(unsigned);
    }

    @Benchmark
    public Session pipelineSigned() throws Exception {
        return pipeline(signed);
    }

    /** The yardstick of the signed target: one Ed25519 signature of a tree head's size, on this JVM. */
    @Benchmark
    public byte[] oneEd25519Signature() {
        return key.sign(message);
    }
}
