package org.agenthypervisor.core.encoding;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.File;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalAmount;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Currency;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;

/**
 * How {@link PayloadEncoder} encodes the instances of one class, decided once per class and cached
 * with a {@link ClassValue} (which lets classes of application class loaders be unloaded).
 *
 * <p>Which classes are data: JSON-like JDK values (strings and string builders, numbers, booleans,
 * characters, enums,
 * byte and other arrays, collections, maps, {@code Optional}, {@code java.time} values, UUID, URI,
 * URL, Locale, Currency, File, Path, Date); application records (their components); application
 * classes with readable properties, as Jackson databind finds them (public getters, {@code isX}
 * boolean getters, public fields). Everything else is <em>unencodable</em>: other JDK classes, which
 * are never introspected (a {@code Thread}, a {@code Class}, a socket, internals Java modules seal
 * off); anything {@link AutoCloseable} (connections, streams, channels), executors, futures, locks,
 * runnables and callables; lambdas and other hidden or synthetic classes; dynamic proxies (a getter
 * call would run the handler); and application classes without properties.
 */
final class Plan {
    enum Kind {
        STRING, CHARACTER, BOOLEAN, INTEGER, BIG_INTEGER, FLOATING, TO_STRING, ENUM, BYTES, CHARS,
        PRIMITIVE_ARRAY, OBJECT_ARRAY, LIST, SET, MAP, OPTIONAL, OPTIONAL_INT, OPTIONAL_LONG,
        OPTIONAL_DOUBLE, ATOMIC_REFERENCE, ATOMIC_BOOLEAN, DATE, FILE, PATH, RECORD, BEAN, UNENCODABLE
    }

    /** A readable property of a record or bean. */
    static final class Property {
        final String name;
        /** {@code "name":} already encoded, so each write is one array copy. */
        final byte[] jsonKey;
        final Member member;
        /** False if Java module rules forbid reading it; its value is then unencodable. */
        final boolean readable;
        final String declaredType;

        Property(String name, Member member, boolean readable, Class<?> declaredType) {
            this.name = name;
            JsonWriter w = new JsonWriter(name.length() + 4);
            w.string(name);
            w.raw(':');
            this.jsonKey = w.toByteArray();
            this.member = member;
            this.readable = readable;
            this.declaredType = stableName(declaredType);
        }

        Object read(Object target) throws Throwable {
            try {
                return member instanceof Method ? ((Method) member).invoke(target) : ((Field) member).get(target);
            } catch (InvocationTargetException e) {
                throw e.getCause() != null ? e.getCause() : e;
            }
        }
    }

    private static final ObjectMapper INTROSPECTOR = JsonMapper.builder()
            // Application annotations are invisible once Jackson is relocated into the agent jar, so
            // ignore them here too: the encoding must not depend on how the agent is packaged.
            .disable(MapperFeature.USE_ANNOTATIONS)
            .build();

    private static final ClassValue<Plan> PLANS = new ClassValue<>() {
        @Override
        protected Plan computeValue(Class<?> type) {
            try {
                return classify(type);
            } catch (RuntimeException | LinkageError e) {
                return new Plan(Kind.UNENCODABLE, type, List.of());
            }
        }
    };

    final Kind kind;
    final String className;
    final List<Property> properties;

    private Plan(Kind kind, Class<?> type, List<Property> properties) {
        this.kind = kind;
        this.className = stableName(type);
        this.properties = properties;
    }

    static Plan of(Class<?> type) {
        return PLANS.get(type);
    }

    private static Plan plan(Kind kind, Class<?> type) {
        return new Plan(kind, type, List.of());
    }

    private static Plan classify(Class<?> c) {
        if (c.isArray()) {
            Class<?> component = c.getComponentType();
            if (component == byte.class) {
                return plan(Kind.BYTES, c);
            }
            if (component == char.class) {
                return plan(Kind.CHARS, c);
            }
            return plan(component.isPrimitive() ? Kind.PRIMITIVE_ARRAY : Kind.OBJECT_ARRAY, c);
        }
        if (c == String.class) {
            return plan(Kind.STRING, c);
        }
        if (c == Character.class) {
            return plan(Kind.CHARACTER, c);
        }
        if (c == Boolean.class) {
            return plan(Kind.BOOLEAN, c);
        }
        if (c == Integer.class || c == Long.class || c == Short.class || c == Byte.class
                || c == AtomicInteger.class || c == AtomicLong.class) {
            return plan(Kind.INTEGER, c);
        }
        if (c == BigInteger.class) {
            return plan(Kind.BIG_INTEGER, c);
        }
        if (c == Double.class || c == Float.class) {
            return plan(Kind.FLOATING, c);
        }
        if (c == AtomicBoolean.class) {
            return plan(Kind.ATOMIC_BOOLEAN, c);
        }
        if (Enum.class.isAssignableFrom(c)) {
            return plan(Kind.ENUM, c); // also a constant with a body, whose class is a subclass
        }
        if (c == Optional.class) {
            return plan(Kind.OPTIONAL, c);
        }
        if (c == OptionalInt.class) {
            return plan(Kind.OPTIONAL_INT, c);
        }
        if (c == OptionalLong.class) {
            return plan(Kind.OPTIONAL_LONG, c);
        }
        if (c == OptionalDouble.class) {
            return plan(Kind.OPTIONAL_DOUBLE, c);
        }
        if (c == AtomicReference.class) {
            return plan(Kind.ATOMIC_REFERENCE, c);
        }
        if (c == BigDecimal.class || c == UUID.class || c == URI.class || c == URL.class || c == Locale.class
                || c == Currency.class || c == StringBuilder.class || c == StringBuffer.class || isJavaTime(c)) {
            // BigDecimal as a string keeps its scale (1.10 stays 1.10) and is read back exactly.
            return plan(Kind.TO_STRING, c);
        }
        if (c == Date.class) {
            return plan(Kind.DATE, c);
        }
        if (c == File.class) {
            return plan(Kind.FILE, c);
        }
        if (Path.class.isAssignableFrom(c)) {
            return plan(Kind.PATH, c);
        }
        if (isResource(c)) {
            return plan(Kind.UNENCODABLE, c);
        }
        if (Map.class.isAssignableFrom(c)) {
            return plan(Kind.MAP, c);
        }
        if (Collection.class.isAssignableFrom(c)) {
            return plan(Set.class.isAssignableFrom(c) ? Kind.SET : Kind.LIST, c);
        }
        if (isJdk(c) || c.isSynthetic() || c.isHidden() || Proxy.isProxyClass(c)) {
            return plan(Kind.UNENCODABLE, c);
        }
        if (c.isRecord()) {
            return new Plan(Kind.RECORD, c, recordProperties(c));
        }
        List<Property> props = beanProperties(c);
        return props.isEmpty() ? plan(Kind.UNENCODABLE, c) : new Plan(Kind.BEAN, c, props);
    }

    private static boolean isJavaTime(Class<?> c) {
        return c.getName().startsWith("java.time.") && !c.isEnum()
                && (TemporalAccessor.class.isAssignableFrom(c) || TemporalAmount.class.isAssignableFrom(c)
                || ZoneId.class.isAssignableFrom(c));
    }

    /** Behaviour and resources, not data. */
    private static boolean isResource(Class<?> c) {
        return AutoCloseable.class.isAssignableFrom(c) || Thread.class.isAssignableFrom(c)
                || ThreadGroup.class.isAssignableFrom(c) || ClassLoader.class.isAssignableFrom(c)
                || Class.class == c || Executor.class.isAssignableFrom(c) || Future.class.isAssignableFrom(c)
                || Lock.class.isAssignableFrom(c) || Runnable.class.isAssignableFrom(c)
                || java.util.concurrent.Callable.class.isAssignableFrom(c)
                || java.util.Iterator.class.isAssignableFrom(c) || AccessibleObject.class.isAssignableFrom(c);
    }

    static boolean isJdk(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || n.startsWith("com.sun.");
    }

    private static List<Property> recordProperties(Class<?> c) {
        List<Property> props = new ArrayList<>();
        for (RecordComponent rc : c.getRecordComponents()) {
            Method accessor = rc.getAccessor();
            props.add(new Property(rc.getName(), accessor, accessor.trySetAccessible(), rc.getType()));
        }
        props.sort(Comparator.comparing(p -> p.name));
        return List.copyOf(props);
    }

    private static List<Property> beanProperties(Class<?> c) {
        JavaType type = INTROSPECTOR.constructType(c);
        BeanDescription description = INTROSPECTOR.getSerializationConfig().introspect(type);
        List<Property> props = new ArrayList<>();
        for (BeanPropertyDefinition def : description.findProperties()) {
            if (!def.couldSerialize()) {
                continue;
            }
            AnnotatedMember accessor = def.getAccessor();
            if (accessor == null) {
                continue;
            }
            Member member = accessor.getMember();
            if (!(member instanceof Method) && !(member instanceof Field)) {
                continue;
            }
            boolean readable = ((AccessibleObject) member).trySetAccessible();
            props.add(new Property(def.getName(), member, readable, accessor.getRawType()));
        }
        props.sort(Comparator.comparing(p -> p.name));
        return List.copyOf(props);
    }

    /**
     * A class name that is the same in every run: a lambda's or other hidden class's name ends in a
     * per-run suffix, and a proxy's number depends on creation order.
     */
    static String stableName(Class<?> c) {
        if (Proxy.isProxyClass(c)) {
            return "java.lang.reflect.Proxy";
        }
        String n = c.getName();
        int lambda = n.indexOf("$$Lambda");
        if (lambda >= 0) {
            return n.substring(0, lambda + "$$Lambda".length());
        }
        if (c.isHidden()) {
            int slash = n.indexOf('/');
            return slash >= 0 ? n.substring(0, slash) : n;
        }
        return n;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
