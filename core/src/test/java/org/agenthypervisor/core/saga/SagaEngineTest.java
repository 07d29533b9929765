package org.agenthypervisor.core.saga;

import com.acme.sagaunit.Bank;
import com.acme.sagaunit.Workflow;
import org.agenthypervisor.api.CompensationFailedException;
import org.agenthypervisor.core.gate.CallRefusedException;
import org.agenthypervisor.core.saga.SagaHistory.SagaView;
import org.agenthypervisor.core.saga.SagaHistory.State;
import org.agenthypervisor.core.store.RecordLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine under a real gate, without the agent: the harness plays the woven advice. */
class SagaEngineTest {
    @TempDir
    Path dir;
    Harness h;
    final Bank bank = new Bank();
    final Workflow workflow = new Workflow();

    @BeforeEach
    void start() {
        Bank.reset();
        h = new Harness(dir, Harness.policy("fsync")).register(Bank.class, Workflow.class);
        Bank.stepProbe = () -> h.sagas.currentStep(h.current());
    }

    @AfterEach
    void stop() {
        h.close();
    }

    String debit(String account, long amount) throws Exception {
        return h.call(Bank.class, bank, "debit", new Object[] {account, amount}, () -> bank.debit(account, amount));
    }

    void reserve(String item) throws Exception {
        h.call(Bank.class, bank, "reserve", new Object[] {item}, () -> {
            bank.reserve(item);
            return null;
        });
    }

    void ship(String order) throws Exception {
        h.call(Bank.class, bank, "ship", new Object[] {order}, () -> {
            bank.ship(order);
            return null;
        });
    }

    void transfer(java.util.concurrent.Callable<?> body) throws Exception {
        h.call(Workflow.class, workflow, "transfer", new Object[0], body);
    }

    SagaHistory history() throws IOException {
        try (RecordLog log = SagaJournal.openReadOnly(dir)) {
            return SagaHistory.replay(log, true, true);
        }
    }

    @Test
    void aFailureCompensatesTheDoneStepsInReverseWithTheirArgumentsAndTheOriginalExceptionPropagates() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> transfer(() -> {
            debit("a", 1);
            debit("b", 2);
            debit("c", 3);
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals(0, thrown.getSuppressed().length);
        assertEquals(List.of("debit a 1", "debit b 2", "debit c 3", "credit c 3 @s1.3", "credit b 2 @s1.2",
                "credit a 1 @s1.1"), Bank.LOG);
        SagaView saga = history().saga("s1");
        assertEquals(State.COMPENSATED, saga.state());
        assertEquals("transfer", saga.name());
        List<String> types = saga.records().stream().map(r -> r.get("type") + (r.get("step") == null ? "" : " " + r.get("step")))
                .toList();
        assertEquals(List.of("begin", "step.started s1.1", "step.done s1.1", "step.started s1.2", "step.done s1.2",
                "step.started s1.3", "step.done s1.3", "rollback", "compensating s1.3", "compensated s1.3",
                "compensating s1.2", "compensated s1.2", "compensating s1.1", "compensated s1.1", "end"), types);
        assertEquals(List.of("b", 2L), saga.records().get(3).get("args"));
        assertEquals("tx-b", saga.records().get(4).get("result"));
        assertEquals(1, h.counters.sagasStarted.sum());
        assertEquals(1, h.counters.sagasCompensated.sum());
        assertEquals(1, h.audit.ofType("saga.rollback").size());
        assertEquals(3, h.audit.ofType("saga.compensated").size());
        assertEquals("compensated", h.audit.ofType("saga.end").get(0).get("outcome"));
        assertNull(h.current().saga(), "the caller's context does not keep the saga");
    }

    @Test
    void aSagaThatReturnsEndsCompletedAndCompensatesNothing() throws Exception {
        transfer(() -> debit("a", 1));
        assertEquals(List.of("debit a 1"), Bank.LOG);
        assertEquals(State.COMPLETED, history().saga("s1").state());
        assertEquals("completed", h.audit.ofType("saga.end").get(0).get("outcome"));
    }

    @Test
    void anExceptionHandledInsideTheSagaIsNotAFailure() throws Exception {
        transfer(() -> {
            debit("a", 1);
            try {
                h.call(Workflow.class, workflow, "inner", new Object[0], () -> {
                    debit("b", 2);
                    throw new IllegalArgumentException("handled");
                });
            } catch (IllegalArgumentException expected) {
                // handled inside the saga
            }
            return null;
        });
        assertEquals(List.of("debit a 1", "debit b 2"), Bank.LOG);
        assertEquals(State.COMPLETED, history().saga("s1").state());
        assertEquals(1, history().sagas().size(), "the nested boundary joined the outer saga");
    }

    @Test
    void aFailedStepIsNotCompensatedButItsEarlierStepsAre() throws Exception {
        assertThrows(IllegalStateException.class, () -> transfer(() -> {
            debit("a", 1);
            h.call(Bank.class, bank, "debit", new Object[] {"b", 2L}, () -> {
                throw new IllegalStateException("declined");
            });
            return null;
        }));
        assertEquals(List.of("debit a 1", "credit a 1 @s1.1"), Bank.LOG);
        assertEquals(SagaHistory.StepStatus.FAILED, history().saga("s1").step("s1.2").status());
    }

    @Test
    void aFlakyCompensationIsRetriedUntilItSucceeds() throws Exception {
        Bank.FLAKY_FAILURES.set(2);
        assertThrows(IllegalStateException.class, () -> transfer(() -> {
            reserve("x");
            throw new IllegalStateException("boom");
        }));
        assertEquals(List.of("reserve x", "unreserve failed x", "unreserve failed x", "unreserve x"), Bank.LOG);
        SagaView saga = history().saga("s1");
        assertEquals(State.COMPENSATED, saga.state());
        assertEquals(3, saga.step("s1.1").attempts());
        assertEquals(2, saga.records().stream().filter(r -> "compensation.failed".equals(r.get("type"))).count());
        assertTrue(h.liability.failures.isEmpty());
    }

    @Test
    void aCompensationThatAlwaysFailsEscalatesAndIsAttachedAsSuppressed() throws Exception {
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> transfer(() -> {
            debit("a", 1);
            ship("o-1");
            throw new IllegalStateException("boom");
        }));
        assertEquals("boom", thrown.getMessage());
        assertEquals(1, thrown.getSuppressed().length);
        CompensationFailedException failed = assertInstanceOf(CompensationFailedException.class, thrown.getSuppressed()[0]);
        assertEquals("s1", failed.sagaId());
        assertEquals("s1.2", failed.stepId());
        assertEquals(4, failed.attempts(), "the first try and 3 retries");
        assertEquals("com.acme.sagaunit.Bank#unship(String)", failed.method());
        assertEquals("the truck left", failed.getCause().getMessage());
        assertEquals(List.of("debit a 1", "ship o-1", "unship failed o-1", "unship failed o-1", "unship failed o-1",
                "unship failed o-1", "credit a 1 @s1.1"), Bank.LOG, "the earlier step is still compensated");
        assertEquals(State.ESCALATED, history().saga("s1").state());
        assertEquals(1, h.counters.sagasEscalated.sum());
        assertEquals(1, h.audit.ofType("saga.escalated").size());
        assertTrue(h.liability.failures.isEmpty(), "the step ran as the host, which is never slashed");
    }

    @Test
    void anAgentWhoseCompensationFailsIsReportedToLiability() throws Exception {
        com.acme.sagaunit.Shipper shipper = new com.acme.sagaunit.Shipper();
        h.register(com.acme.sagaunit.Shipper.class);
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> transfer(() -> {
            h.call(com.acme.sagaunit.Shipper.class, shipper, "dispatch", new Object[] {"p-1"}, () -> {
                shipper.dispatch("p-1");
                return null;
            });
            throw new IllegalStateException("boom");
        }));
        assertEquals(1, thrown.getSuppressed().length);
        assertEquals(1, h.liability.failures.size());
        assertTrue(h.liability.failures.get(0).startsWith("shipper: saga s1 step s1.1"), h.liability.failures.toString());
        Map<String, Object> liability = h.audit.ofType("saga.liability").get(0);
        assertEquals("shipper", liability.get("agent"));
        assertEquals("shipper", h.audit.ofType("saga.escalated").get(0).get("agent"));
        assertEquals("shipper", history().saga("s1").step("s1.1").agent());
    }

    @Test
    void theCompensationGetsTheResultWhenItTakesIt() throws Exception {
        assertThrows(IllegalStateException.class, () -> transfer(() -> {
            h.call(Bank.class, bank, "book", new Object[] {"room"}, () -> bank.book("room"));
            throw new IllegalStateException("boom");
        }));
        assertEquals(List.of("book room", "cancel room booking-room"), Bank.LOG);
    }

    @Test
    void stepsOnAnExecutorThreadBelongToTheSaga() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            assertThrows(IllegalStateException.class, () -> transfer(() -> {
                debit("a", 1);
                var context = h.current();
                Future<?> f = pool.submit(org.agenthypervisor.core.context.Propagation.wrapExplicitly(() -> {
                    try {
                        debit("b", 2);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, context));
                f.get();
                throw new IllegalStateException("boom");
            }));
        } finally {
            pool.shutdown();
        }
        assertEquals(List.of("debit a 1", "debit b 2", "credit b 2 @s1.2", "credit a 1 @s1.1"), Bank.LOG);
    }

    @Test
    void aStepWithABrokenCompensationIsRefusedInsideASagaAndRunsOutsideOne() throws Exception {
        CallRefusedException refused = assertThrows(CallRefusedException.class, () -> transfer(() ->
                h.call(Bank.class, bank, "broken", new Object[] {"x"}, () -> {
                    bank.broken("x");
                    return null;
                })));
        assertTrue(refused.getMessage().contains("no compensation method nothingLikeThis(String)"), refused.getMessage());
        assertFalse(Bank.LOG.contains("broken ran x"));
        h.call(Bank.class, bank, "broken", new Object[] {"y"}, () -> {
            bank.broken("y");
            return null;
        });
        assertEquals(List.of("broken ran y"), Bank.LOG);
    }

    @Test
    void aCompensableMethodOutsideASagaIsNotJournaled() throws Exception {
        debit("a", 1);
        assertEquals(0, history().records());
        assertNull(h.current().step());
    }

    @Test
    void theStepIdIsInTheContextDuringTheStep() throws Exception {
        String[] seen = new String[1];
        transfer(() -> h.call(Bank.class, bank, "debit", new Object[] {"a", 1L}, () -> {
            seen[0] = h.sagas.currentStep(h.current());
            return "tx";
        }));
        assertEquals("s1.1", seen[0]);
    }

    @Test
    void sagaIdsContinueAcrossRestarts() throws Exception {
        transfer(() -> debit("a", 1));
        h.close();
        h = new Harness(dir, Harness.policy("fsync")).register(Bank.class, Workflow.class);
        transfer(() -> debit("b", 2));
        assertEquals(List.of("s1", "s2"), history().sagas().stream().map(SagaView::id).toList());
    }

    @Test
    void aStepThatReturnsAfterItsSagaFailedIsCompensatedAtOnceAndNewStepsAreRefused() throws Exception {
        Object saga = h.enter(Workflow.class, workflow, "transfer", new Object[0]);
        var sagaContext = h.current();
        Object step = h.enter(Bank.class, bank, "debit", new Object[] {"late", 9L}); // "on another thread"
        org.agenthypervisor.core.context.ContextCell.peek().set(sagaContext);
        org.agenthypervisor.core.gate.Gate.exit(saga, null, new IllegalStateException("boom"));
        assertEquals(List.of(), Bank.LOG, "nothing was done when the saga failed");
        org.agenthypervisor.core.context.ContextCell.peek().set(sagaContext.withStep("s1.1"));
        Bank.LOG.add(bank.debit("late", 9L).isEmpty() ? "" : "body returned");
        org.agenthypervisor.core.gate.Gate.exit(step, "tx-late", null);
        assertEquals(List.of("debit late 9", "body returned", "credit late 9 @s1.1"), Bank.LOG);
        org.agenthypervisor.core.context.ContextCell.peek().set(sagaContext);
        CallRefusedException refused = assertThrows(CallRefusedException.class, () -> debit("after", 1));
        assertTrue(refused.getMessage().contains("failed and is being or was rolled back"), refused.getMessage());
        h.resetContext();
        assertEquals(SagaHistory.CompensationStatus.COMPENSATED, history().saga("s1").step("s1.1").compensation());
    }

    @Test
    void transitionsAreFlightRecorderEvents() throws Exception {
        Path file = dir.resolve("saga.jfr");
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("org.agenthypervisor.SagaTransition");
            recording.start();
            assertThrows(IllegalStateException.class, () -> transfer(() -> {
                debit("a", 1);
                throw new IllegalStateException("boom");
            }));
            recording.stop();
            recording.dump(file);
        }
        List<String> states = jdk.jfr.consumer.RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("org.agenthypervisor.SagaTransition"))
                .map(e -> e.getString("state") + (e.getString("step") == null ? "" : " " + e.getString("step")))
                .toList();
        assertEquals(List.of("begin", "step done s1.1", "rollback", "compensating s1.1", "compensated s1.1", "compensated"),
                states);
    }

    @Test
    void everyRecordIsCanonicalJson() throws Exception {
        Bank.FLAKY_FAILURES.set(1);
        assertThrows(IllegalStateException.class, () -> transfer(() -> {
            debit("é\"\\\u0001😀", 1);
            reserve("x");
            ship("y");
            throw new IllegalStateException("boom \u0000");
        }));
        try (RecordLog log = SagaJournal.openReadOnly(dir)) {
            // Stored sealed (format 2): the MAC header, then the canonical JSON.
            log.forEach(0, r -> assertTrue(JournalSeal.isSealed(r.payload())
                            && org.agenthypervisor.core.encoding.CanonicalJson.isCanonical(JournalSeal.json(r.payload())),
                    new String(r.payload(), java.nio.charset.StandardCharsets.UTF_8)));
            assertTrue(log.size() > 15);
        }
        Map<String, Object> started = history().saga("s1").records().get(1);
        assertEquals(List.of("é\"\\\u0001😀", 1L), started.get("args"));
    }
}
