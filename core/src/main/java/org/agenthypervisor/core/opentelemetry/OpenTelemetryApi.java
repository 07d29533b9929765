package org.agenthypervisor.core.opentelemetry;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The few calls of the OpenTelemetry API the bridge makes, as method handles on the application's
 * classes (found through a class loader that sees them). No OpenTelemetry type appears in this
 * code: every object is held as {@code Object}.
 */
final class OpenTelemetryApi {
    private static final String API = "io.opentelemetry.api.";

    private final MethodHandle currentSpan;        // Span.current()
    private final MethodHandle addEvent;           // span.addEvent(String, Attributes)
    private final MethodHandle attributesBuilder;  // Attributes.builder()
    private final MethodHandle putString;          // builder.put(String, String)
    private final MethodHandle putLong;            // builder.put(String, long)
    private final MethodHandle putDouble;          // builder.put(String, double)
    private final MethodHandle putBoolean;         // builder.put(String, boolean)
    private final MethodHandle build;              // builder.build()
    private final MethodHandle isSet;              // GlobalOpenTelemetry.isSet(), or null on an older API
    private final MethodHandle getMeter;           // GlobalOpenTelemetry.getMeter(String)
    private final MethodHandle counterBuilder;     // meter.counterBuilder(String)
    private final MethodHandle setDescription;     // LongCounterBuilder.setDescription(String)
    private final MethodHandle buildCounter;       // LongCounterBuilder.build()
    private final MethodHandle add;                // counter.add(long, Attributes)
    private final MethodHandle gaugeBuilder;       // meter.gaugeBuilder(String)
    private final MethodHandle gaugeDescription;   // DoubleGaugeBuilder.setDescription(String)
    private final MethodHandle buildWithCallback;  // DoubleGaugeBuilder.buildWithCallback(Consumer)
    private final MethodHandle record;             // ObservableDoubleMeasurement.record(double, Attributes)

    private OpenTelemetryApi(ClassLoader loader) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Class<?> span = Class.forName(API + "trace.Span", false, loader);
        Class<?> attributes = Class.forName(API + "common.Attributes", false, loader);
        Class<?> builder = Class.forName(API + "common.AttributesBuilder", false, loader);
        Class<?> global = Class.forName(API + "GlobalOpenTelemetry", false, loader);
        Class<?> meter = Class.forName(API + "metrics.Meter", false, loader);
        Class<?> counterBuilderType = Class.forName(API + "metrics.LongCounterBuilder", false, loader);
        Class<?> counter = Class.forName(API + "metrics.LongCounter", false, loader);
        Class<?> gaugeBuilderType = Class.forName(API + "metrics.DoubleGaugeBuilder", false, loader);
        Class<?> measurement = Class.forName(API + "metrics.ObservableDoubleMeasurement", false, loader);
        currentSpan = lookup.findStatic(span, "current", MethodType.methodType(span));
        addEvent = lookup.findVirtual(span, "addEvent", MethodType.methodType(span, String.class, attributes));
        attributesBuilder = lookup.findStatic(attributes, "builder", MethodType.methodType(builder));
        putString = lookup.findVirtual(builder, "put", MethodType.methodType(builder, String.class, String.class));
        putLong = lookup.findVirtual(builder, "put", MethodType.methodType(builder, String.class, long.class));
        putDouble = lookup.findVirtual(builder, "put", MethodType.methodType(builder, String.class, double.class));
        putBoolean = lookup.findVirtual(builder, "put", MethodType.methodType(builder, String.class, boolean.class));
        build = lookup.findVirtual(builder, "build", MethodType.methodType(attributes));
        MethodHandle set;
        try {
            set = lookup.findStatic(global, "isSet", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException older) {
            set = null;
        }
        isSet = set;
        getMeter = lookup.findStatic(global, "getMeter", MethodType.methodType(meter, String.class));
        counterBuilder = lookup.findVirtual(meter, "counterBuilder", MethodType.methodType(counterBuilderType, String.class));
        setDescription = lookup.findVirtual(counterBuilderType, "setDescription",
                MethodType.methodType(counterBuilderType, String.class));
        buildCounter = lookup.findVirtual(counterBuilderType, "build", MethodType.methodType(counter));
        add = lookup.findVirtual(counter, "add", MethodType.methodType(void.class, long.class, attributes));
        gaugeBuilder = lookup.findVirtual(meter, "gaugeBuilder", MethodType.methodType(gaugeBuilderType, String.class));
        gaugeDescription = lookup.findVirtual(gaugeBuilderType, "setDescription",
                MethodType.methodType(gaugeBuilderType, String.class));
        buildWithCallback = lookup.findVirtual(gaugeBuilderType, "buildWithCallback",
                MethodType.methodType(Class.forName(API + "metrics.ObservableDoubleGauge", false, loader), Consumer.class));
        record = lookup.findVirtual(measurement, "record", MethodType.methodType(void.class, double.class, attributes));
    }

    /** The API as {@code loader} sees it, or null when it does not (no OpenTelemetry API on that class path). */
    static OpenTelemetryApi find(ClassLoader loader) {
        if (loader == null) {
            return null;
        }
        try {
            Class.forName(API + "trace.Span", false, loader);
        } catch (ClassNotFoundException | LinkageError absent) {
            return null;
        }
        try {
            return new OpenTelemetryApi(loader);
        } catch (ReflectiveOperationException | LinkageError incompatible) {
            throw new IllegalStateException("the application's OpenTelemetry API lacks what the bridge uses: " + incompatible,
                    incompatible);
        }
    }

    /** Attributes from {@code name -> String | Long | Integer | Double | Boolean}; other values are skipped. */
    Object attributes(Map<String, Object> values) throws Throwable {
        Object b = attributesBuilder.invoke();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            if (v instanceof String s) {
                b = putString.invoke(b, e.getKey(), s);
            } else if (v instanceof Long || v instanceof Integer || v instanceof Short) {
                b = putLong.invoke(b, e.getKey(), ((Number) v).longValue());
            } else if (v instanceof Number n) {
                b = putDouble.invoke(b, e.getKey(), n.doubleValue());
            } else if (v instanceof Boolean bool) {
                b = putBoolean.invoke(b, e.getKey(), bool.booleanValue());
            }
        }
        return build.invoke(b);
    }

    /** Adds an event to the current span (a no-op span when there is none). */
    void addEvent(String name, Object attributes) throws Throwable {
        Object span = currentSpan.invoke();
        addEvent.invoke(span, name, attributes);
    }

    /**
     * The global meter, or null while the application has not set its OpenTelemetry yet: asking for it
     * earlier would fix the global to a no-op and make the application's own set fail.
     */
    Object meter(String scope) throws Throwable {
        if (isSet != null && !(boolean) isSet.invoke()) {
            return null;
        }
        return getMeter.invoke(scope);
    }

    Object counter(Object meter, String name, String description) throws Throwable {
        Object b = counterBuilder.invoke(meter, name);
        b = setDescription.invoke(b, description);
        return buildCounter.invoke(b);
    }

    void add(Object counter, long value, Object attributes) throws Throwable {
        add.invoke(counter, value, attributes);
    }

    /** A gauge whose values {@code observe} reports at each collection, as (value, attributes) pairs. */
    void gauge(Object meter, String name, String description, Consumer<Consumer<Object[]>> observe) throws Throwable {
        Object b = gaugeBuilder.invoke(meter, name);
        b = gaugeDescription.invoke(b, description);
        Consumer<Object> callback = measurement -> observe.accept(pair -> {
            try {
                record.invoke(measurement, ((Number) pair[0]).doubleValue(), pair[1]);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        });
        buildWithCallback.invoke(b, callback);
    }
}
