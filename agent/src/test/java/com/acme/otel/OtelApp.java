package com.acme.otel;

import com.acme.liability.Intake;
import com.acme.liability.Peer;
import com.acme.liability.Planner;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import java.util.concurrent.Callable;

/**
 * An application with the OpenTelemetry SDK (in-memory span exporter and metric reader) that runs
 * the liability fixtures inside one span, then prints every span event ({@code EVENT span name
 * attributes}) and metric point ({@code METRIC name attributes value}) it collected.
 */
public final class OtelApp {
    private OtelApp() {
    }

    public static void main(String[] args) {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        InMemoryMetricReader metrics = InMemoryMetricReader.create();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .buildAndRegisterGlobal();
        Span span = sdk.getTracer("otel-app").spanBuilder("refund-request").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            if (args.length > 0 && args[0].equals("session")) {
                // The sessions fixtures: a shared session, a sandbox agent denied the ledger keys.
                outcome("session", () -> {
                    com.acme.session.SessionApp.main(new String[] {"share"});
                    return "ran";
                });
            } else if (args.length > 0 && args[0].equals("trip")) {
                // The saga fixtures: three steps, then a failure and three compensations in reverse.
                outcome("trip", () -> {
                    new com.acme.saga.Trips().bookTrip();
                    return "booked";
                });
            } else {
                outcome("chain-violation", () -> new Intake().start("order-1"));
                outcome("handoff", () -> new Intake().relay("order-3"));
                outcome("refusal", () -> new Planner().forward(new Peer(), "order-4"));
            }
        } finally {
            span.end();
        }
        for (SpanData s : spans.getFinishedSpanItems()) {
            for (EventData e : s.getEvents()) {
                System.out.println("EVENT " + s.getName() + " " + e.getName() + " " + e.getAttributes());
            }
        }
        for (MetricData m : metrics.collectAllMetrics()) {
            switch (m.getType()) {
                case LONG_SUM -> m.getLongSumData().getPoints().forEach(p ->
                        System.out.println("METRIC " + m.getName() + " " + p.getAttributes() + " " + p.getValue()));
                case DOUBLE_GAUGE -> m.getDoubleGaugeData().getPoints().forEach(p ->
                        System.out.println("METRIC " + m.getName() + " " + p.getAttributes() + " " + p.getValue()));
                default -> System.out.println("METRIC " + m.getName() + " " + m.getType());
            }
        }
        System.out.flush();
    }

    private static void outcome(String name, Callable<?> call) {
        String result;
        try {
            result = "allowed:" + call.call();
        } catch (Exception e) {
            result = "denied:" + e.getClass().getSimpleName();
        }
        System.out.println("RESULT " + name + " " + result);
    }
}
