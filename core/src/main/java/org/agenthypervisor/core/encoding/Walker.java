package org.agenthypervisor.core.encoding;

import java.lang.reflect.Array;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run of {@link PayloadEncoder}: walks a value, writes canonical JSON, and replaces whatever it
 * cannot encode by a marker while remembering the JSON path. It never throws for a property of the
 * value (only for the JVM's own fatal errors).
 */
final class Walker {
    /** Containers and objects nested deeper than this are replaced by markers. */
    static final int MAX_DEPTH = 100;

    private static final byte[] MARKER_OPEN = Plan.utf8("{\"" + PayloadEncoder.UNENCODABLE + "\":");

    final JsonWriter out = new JsonWriter(256);
    /** The objects being encoded, outermost first, for cycle detection. */
    private Object[] stack = new Object[16];
    /** Per level, the member name (or null) and index that lead to the value being encoded now. */
    private String[] names = new String[16];
    private int[] indexes = new int[16];
    private int depth;
    private List<String> unencodable;

    List<String> unencodablePaths() {
        return unencodable == null ? List.of() : List.copyOf(unencodable);
    }

    /** Encodes {@code args} as a JSON array; each argument at path {@code $[i]}. */
    void arguments(Object[] args) {
        if (args == null) {
            args = new Object[0];
        }
        enter(args);
        out.raw('[');
        for (int i = 0; i < args.length; i++) {
            if (i > 0) {
                out.raw(',');
            }
            at(i);
            value(args[i]);
        }
        out.raw(']');
        depth--;
    }

    void value(Object v) {
        if (v == null) {
            out.nullValue();
            return;
        }
        if (v instanceof String) { // the common case, before the class lookup
            out.string((String) v);
            return;
        }
        Plan plan = Plan.of(v.getClass());
        switch (plan.kind) {
            case STRING:
                out.string((String) v);
                return;
            case CHARACTER:
                out.string(String.valueOf((char) (Character) v));
                return;
            case BOOLEAN:
                out.bool((Boolean) v);
                return;
            case ATOMIC_BOOLEAN:
                out.bool(((AtomicBoolean) v).get());
                return;
            case INTEGER:
                out.number(((Number) v).longValue());
                return;
            case BIG_INTEGER:
                out.number((BigInteger) v);
                return;
            case FLOATING:
                floating(((Number) v).doubleValue());
                return;
            case TO_STRING:
                out.string(v.toString());
                return;
            case ENUM:
                out.string(((Enum<?>) v).name());
                return;
            case BYTES:
                out.base64((byte[]) v);
                return;
            case CHARS:
                out.string(new String((char[]) v));
                return;
            case DATE:
                out.number(((Date) v).getTime());
                return;
            case FILE:
                out.string(((java.io.File) v).getPath());
                return;
            case PATH:
                out.string(((Path) v).toUri().toString()); // what Jackson's Path deserializer reads
                return;
            case OPTIONAL:
                value(((Optional<?>) v).orElse(null));
                return;
            case OPTIONAL_INT: {
                OptionalInt o = (OptionalInt) v;
                if (o.isPresent()) {
                    out.number(o.getAsInt());
                } else {
                    out.nullValue();
                }
                return;
            }
            case OPTIONAL_LONG: {
                OptionalLong o = (OptionalLong) v;
                if (o.isPresent()) {
                    out.number(o.getAsLong());
                } else {
                    out.nullValue();
                }
                return;
            }
            case OPTIONAL_DOUBLE: {
                OptionalDouble o = (OptionalDouble) v;
                if (o.isPresent()) {
                    floating(o.getAsDouble());
                } else {
                    out.nullValue();
                }
                return;
            }
            case UNENCODABLE:
                unencodable(plan.className);
                return;
            default:
                composite(v, plan);
        }
    }

    /** Non-finite values as the strings Jackson reads back into a double. */
    private void floating(double d) {
        if (Double.isNaN(d)) {
            out.string("NaN");
        } else if (Double.isInfinite(d)) {
            out.string(d > 0 ? "Infinity" : "-Infinity");
        } else {
            out.number(d);
        }
    }

    /**
     * Values made of other values. If anything fails half-way (a collection modified while iterated,
     * a custom iterator that throws), what was written for it is dropped and it becomes one marker.
     */
    private void composite(Object v, Plan plan) {
        if (depth >= MAX_DEPTH || onStack(v)) {
            unencodable(plan.className); // too deep, or a cycle
            return;
        }
        int mark = out.size();
        int pathsMark = unencodable == null ? 0 : unencodable.size();
        int savedDepth = depth;
        enter(v);
        try {
            switch (plan.kind) {
                case LIST:
                    elements(((Collection<?>) v).iterator());
                    break;
                case OBJECT_ARRAY:
                    elements(Arrays.asList((Object[]) v).iterator());
                    break;
                case PRIMITIVE_ARRAY:
                    primitiveArray(v);
                    break;
                case SET:
                    sortedElements((Collection<?>) v);
                    break;
                case MAP:
                    map((Map<?, ?>) v, plan);
                    break;
                case ATOMIC_REFERENCE:
                    value(((AtomicReference<?>) v).get());
                    break;
                case RECORD:
                case BEAN:
                    properties(v, plan);
                    break;
                default:
                    throw new IllegalStateException("unexpected kind " + plan.kind);
            }
        } catch (Throwable t) {
            rethrowIfFatal(t);
            out.truncate(mark);
            if (unencodable != null) {
                unencodable.subList(pathsMark, unencodable.size()).clear();
            }
            depth = savedDepth;
            unencodable(plan.className);
            return;
        }
        depth = savedDepth;
    }

    private void elements(java.util.Iterator<?> it) {
        out.raw('[');
        int i = 0;
        while (it.hasNext()) {
            if (i > 0) {
                out.raw(',');
            }
            at(i++);
            value(it.next());
        }
        out.raw(']');
    }

    private void primitiveArray(Object array) {
        out.raw('[');
        int n = Array.getLength(array);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out.raw(',');
            }
            at(i);
            value(Array.get(array, i));
        }
        out.raw(']');
    }

    /**
     * A set's iteration order is not part of its value (and differs between HashSet capacities and
     * JDKs), so its elements are written in the unsigned byte order of their encodings.
     */
    private void sortedElements(Collection<?> set) {
        List<byte[]> encoded = new ArrayList<>(set.size());
        List<int[]> pathRanges = new ArrayList<>(set.size());
        int i = 0;
        for (Object e : set) {
            int mark = out.size();
            int pathsBefore = unencodable == null ? 0 : unencodable.size();
            atPlaceholder(i++);
            value(e);
            encoded.add(out.copyFrom(mark));
            out.truncate(mark);
            pathRanges.add(new int[] {pathsBefore, unencodable == null ? 0 : unencodable.size()});
        }
        Integer[] order = new Integer[encoded.size()];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(encoded.get(a), encoded.get(b)));
        out.raw('[');
        for (int position = 0; position < order.length; position++) {
            if (position > 0) {
                out.raw(',');
            }
            int original = order[position];
            out.raw(encoded.get(original));
            int[] range = pathRanges.get(original);
            String placeholder = placeholder(depth - 1, original);
            for (int p = range[0]; p < range[1]; p++) {
                unencodable.set(p, unencodable.get(p).replace(placeholder, "[" + position + "]"));
            }
        }
        out.raw(']');
    }

    private void map(Map<?, ?> map, Plan plan) {
        int n = map.size();
        String[] keys = new String[n];
        Object[] values = new Object[n];
        int count = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = PayloadEncoder.keyString(e.getKey());
            if (key == null || count == n) {
                // A key with no faithful string form (or a map whose size lied): no member name to use.
                throw new UnencodableKey();
            }
            keys[count] = key;
            values[count] = e.getValue();
            count++;
        }
        Integer[] order = new Integer[count];
        for (int k = 0; k < count; k++) {
            order[k] = k;
        }
        Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
        out.raw('{');
        for (int k = 0; k < count; k++) {
            String key = keys[order[k]];
            if (k > 0) {
                if (key.equals(keys[order[k - 1]])) {
                    throw new UnencodableKey(); // two keys with the same string form, e.g. 1 and "1"
                }
                out.raw(',');
            }
            if (out.string(key)) {
                throw new UnencodableKey(); // an unpaired surrogate, which parsers reject in keys
            }
            out.raw(':');
            at(key);
            value(values[order[k]]);
        }
        out.raw('}');
    }

    /** Thrown inside {@link #map} to turn the whole map into a marker. */
    private static final class UnencodableKey extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnencodableKey() {
            super(null, null, false, false);
        }
    }

    private void properties(Object v, Plan plan) {
        out.raw('{');
        boolean first = true;
        for (Plan.Property p : plan.properties) {
            if (!first) {
                out.raw(',');
            }
            first = false;
            out.raw(p.jsonKey);
            at(p.name);
            if (!p.readable) {
                unencodable(p.declaredType);
                continue;
            }
            Object pv;
            try {
                pv = p.read(v);
            } catch (Throwable t) {
                rethrowIfFatal(t);
                unencodable(p.declaredType); // a getter that throws
                continue;
            }
            value(pv);
        }
        out.raw('}');
    }

    private boolean onStack(Object v) {
        for (int i = 0; i < depth; i++) {
            if (stack[i] == v) {
                return true;
            }
        }
        return false;
    }

    private void enter(Object v) {
        if (depth == stack.length) {
            stack = Arrays.copyOf(stack, depth * 2);
            names = Arrays.copyOf(names, depth * 2);
            indexes = Arrays.copyOf(indexes, depth * 2);
        }
        stack[depth] = v;
        names[depth] = null;
        indexes[depth] = 0;
        depth++;
    }

    private void at(int index) {
        names[depth - 1] = null;
        indexes[depth - 1] = index;
    }

    private void at(String name) {
        names[depth - 1] = name;
    }

    /** Set elements get their final index only after sorting; until then a placeholder marks it. */
    private void atPlaceholder(int iterationIndex) {
        names[depth - 1] = null;
        indexes[depth - 1] = -1 - iterationIndex;
    }

    private static String placeholder(int level, int iterationIndex) {
        return "[\u0000" + level + ":" + iterationIndex + "]";
    }

    private void unencodable(String className) {
        out.raw(MARKER_OPEN);
        out.string(className);
        out.raw('}');
        if (unencodable == null) {
            unencodable = new ArrayList<>(4);
        }
        unencodable.add(path());
    }

    /** The JSON path of the value being written: {@code $}, {@code $.a.b[2]}, {@code $['key with space']}. */
    private String path() {
        StringBuilder sb = new StringBuilder("$");
        for (int i = 0; i < depth; i++) {
            if (names[i] != null) {
                sb.append(CanonicalJson.memberPath("", names[i]));
            } else if (indexes[i] >= 0) {
                sb.append('[').append(indexes[i]).append(']');
            } else {
                sb.append(placeholder(i, -1 - indexes[i]));
            }
        }
        return sb.toString();
    }

    /** Running out of memory or an internal JVM error is not the value's fault: never swallowed. */
    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }
}
