package org.agenthypervisor.bench.frameworks;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import dev.langchain4j.service.tool.ToolExecutionResult;
import dev.langchain4j.service.tool.ToolService;
import org.agenthypervisor.bench.rings.Contexts;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One tool call through LangChain4j's dispatcher ({@code ToolService.executeWithErrorHandling} →
 * {@code DefaultToolExecutor} → the {@code @Tool} method), with the agent attached (the tool
 * requires ring 3 by a {@code tools:} rule: the allowed path) and without it. Called from a ring-3
 * agent's context and from the host (which runs the tool as 'unidentified'). The overhead is
 * <i>with − without</i> from the same run. Run from the repository root.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@State(Scope.Thread)
public class ToolCallBenchmark {
    static final String AGENT = "-javaagent:agent/target/agent-hypervisor.jar=policy=bench/policies/frameworks.yaml,log=error";

    /** The tools object, as an application gives it to an AI service. */
    public static class Tools {
        @Tool("looks a refund up")
        public String lookupRefund(String id) {
            return id;
        }
    }

    private DefaultToolExecutor executor;
    private ToolExecutionRequest request;
    private InvocationContext context;

    @Setup(Level.Trial)
    public void setUp() throws NoSuchMethodException {
        executor = new DefaultToolExecutor(new Tools(), Tools.class.getMethod("lookupRefund", String.class));
        request = ToolExecutionRequest.builder().id("c1").name("lookupRefund").arguments("{\"arg0\":\"r-7\"}").build();
        context = InvocationContext.builder().interfaceName("bench.Assistant").methodName("chat").build();
    }

    @State(Scope.Thread)
    public static class AsAgent {
        @Setup(Level.Iteration) // each JMH iteration is a pool task that starts in the host's context
        public void enter() {
            Contexts.runAs("bench-tools");
        }
    }

    private ToolExecutionResult call() {
        return ToolService.executeWithErrorHandling(request, executor, context,
                (error, ctx) -> { throw new IllegalStateException(error); },
                (error, ctx) -> { throw new IllegalStateException(error); });
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = AGENT)
    public ToolExecutionResult agentCallsToolWithAgent(AsAgent agent) {
        return call();
    }

    @Benchmark
    @Fork(value = 3, jvmArgsAppend = AGENT)
    public ToolExecutionResult hostCallsToolWithAgent() {
        return call();
    }

    @Benchmark
    @Fork(3)
    public ToolExecutionResult toolWithoutAgent() {
        return call();
    }
}
