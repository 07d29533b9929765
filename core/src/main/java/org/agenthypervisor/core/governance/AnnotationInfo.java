package org.agenthypervisor.core.governance;

import java.util.Map;

/**
 * An annotation as found in a class file: its type's binary name and its explicitly written
 * element values (strings, boxed primitives, enum constant names, nested lists).
 */
public record AnnotationInfo(String type, Map<String, Object> values) {
    public AnnotationInfo {
        values = Map.copyOf(values);
    }

    public Object value(String element) {
        return values.get(element);
    }
}
