package org.agenthypervisor.bench.saga;

import org.agenthypervisor.core.encoding.PayloadEncoder;
import org.agenthypervisor.core.saga.JournalRecords;
import org.agenthypervisor.core.saga.SagaLog;

import java.io.IOException;

/**
 * What the saga engine writes for one step, exactly as it does it: encode the arguments, build and
 * write the durable step.started record, encode the result, build and write the step.done record.
 */
final class Steps {
    static final String METHOD = "com.acme.Bank#debit(String, long)";
    static final String DESCRIPTOR = "(Ljava/lang/String;J)V";

    private Steps() {
    }

    static void started(SagaLog journal, String saga, String step, Object[] args) throws IOException {
        PayloadEncoder.Encoded encoded = PayloadEncoder.encodeArguments(args);
        journal.write(JournalRecords.stepStarted(new JournalRecords.StepStart(saga, step, System.currentTimeMillis(), METHOD,
                "com.acme.Bank", "com.acme.Bank", "credit", DESCRIPTOR, false, false, encoded.json(), encoded.complete(), null,
                "billing", 2)));
    }

    static void done(SagaLog journal, String saga, String step, Object result) throws IOException {
        PayloadEncoder.Encoded encoded = PayloadEncoder.encode(result);
        journal.write(JournalRecords.stepDone(saga, step, System.currentTimeMillis(), encoded.json(), encoded.complete()));
    }
}
