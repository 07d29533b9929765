package org.agenthypervisor.core.encoding;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The Jackson configuration that reads {@link PayloadEncoder}'s output back into typed values, with
 * the few deserializers that the encoder's rules need and that Jackson lacks without its optional
 * modules (which are not used: {@code findAndRegisterModules} relies on ServiceLoader, unreliable on
 * the bootstrap class path). Strict: unknown properties, nulls for primitives, numbers for enums and
 * fractions for integers are errors, never silently coerced.
 */
final class Decoding {
    private Decoding() {}

    private static final Map<Class<?>, Function<String, ?>> FROM_STRING = Map.ofEntries(
            Map.entry(Instant.class, Instant::parse),
            Map.entry(LocalDate.class, LocalDate::parse),
            Map.entry(LocalTime.class, LocalTime::parse),
            Map.entry(LocalDateTime.class, LocalDateTime::parse),
            Map.entry(OffsetDateTime.class, OffsetDateTime::parse),
            Map.entry(OffsetTime.class, OffsetTime::parse),
            Map.entry(ZonedDateTime.class, ZonedDateTime::parse),
            Map.entry(Duration.class, Duration::parse),
            Map.entry(Period.class, Period::parse),
            Map.entry(Year.class, Year::parse),
            Map.entry(YearMonth.class, YearMonth::parse),
            Map.entry(MonthDay.class, MonthDay::parse),
            Map.entry(ZoneOffset.class, ZoneOffset::of),
            Map.entry(ZoneId.class, ZoneId::of));

    // After FROM_STRING: module() reads it.
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(MapperFeature.USE_ANNOTATIONS) // as when encoding; see Plan
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .addModule(module())
            .build();

    private static SimpleModule module() {
        SimpleModule m = new SimpleModule("agent-hypervisor-payloads");
        // First: addDeserializer below adds to this instance, setDeserializers would replace them.
        m.setDeserializers(new com.fasterxml.jackson.databind.module.SimpleDeserializers() {
            private static final long serialVersionUID = 1L;

            @Override
            public JsonDeserializer<?> findBeanDeserializer(JavaType type, DeserializationConfig config,
                    BeanDescription beanDesc) throws com.fasterxml.jackson.databind.JsonMappingException {
                if (type.getRawClass() == Optional.class) {
                    return new OptionalDeserializer(type.containedTypeOrUnknown(0));
                }
                return super.findBeanDeserializer(type, config, beanDesc);
            }
        });
        for (Map.Entry<Class<?>, Function<String, ?>> e : FROM_STRING.entrySet()) {
            addFromString(m, e.getKey(), e.getValue());
        }
        m.addDeserializer(OptionalInt.class, new StdDeserializer<>(OptionalInt.class) {
            private static final long serialVersionUID = 1L;

            @Override
            public OptionalInt deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return OptionalInt.of(ctxt.readValue(p, Integer.class));
            }

            @Override
            public OptionalInt getNullValue(DeserializationContext ctxt) {
                return OptionalInt.empty();
            }
        });
        m.addDeserializer(OptionalLong.class, new StdDeserializer<>(OptionalLong.class) {
            private static final long serialVersionUID = 1L;

            @Override
            public OptionalLong deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return OptionalLong.of(ctxt.readValue(p, Long.class));
            }

            @Override
            public OptionalLong getNullValue(DeserializationContext ctxt) {
                return OptionalLong.empty();
            }
        });
        m.addDeserializer(OptionalDouble.class, new StdDeserializer<>(OptionalDouble.class) {
            private static final long serialVersionUID = 1L;

            @Override
            public OptionalDouble deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                return OptionalDouble.of(ctxt.readValue(p, Double.class));
            }

            @Override
            public OptionalDouble getNullValue(DeserializationContext ctxt) {
                return OptionalDouble.empty();
            }
        });
        return m;
    }

    @SuppressWarnings("unchecked")
    private static <T> void addFromString(SimpleModule m, Class<T> type, Function<String, ?> parse) {
        m.addDeserializer(type, new StdDeserializer<T>(type) {
            private static final long serialVersionUID = 1L;

            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    return (T) ctxt.handleUnexpectedToken(type, p);
                }
                String text = p.getText();
                try {
                    return (T) parse.apply(text);
                } catch (RuntimeException e) {
                    return (T) ctxt.handleWeirdStringValue(type, text, "not a %s: %s", type.getSimpleName(), e.getMessage());
                }
            }
        });
        m.addKeyDeserializer(type, new KeyDeserializer() {
            @Override
            public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
                try {
                    return parse.apply(key);
                } catch (RuntimeException e) {
                    return ctxt.handleWeirdKey(type, key, "not a %s: %s", type.getSimpleName(), e.getMessage());
                }
            }
        });
    }

    /** {@code Optional<T>}: JSON null is empty, anything else is a T. */
    private static final class OptionalDeserializer extends StdDeserializer<Optional<?>> {
        private static final long serialVersionUID = 1L;
        private final JavaType valueType;

        OptionalDeserializer(JavaType valueType) {
            super(Optional.class);
            this.valueType = valueType;
        }

        @Override
        public Optional<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return Optional.ofNullable(ctxt.readValue(p, valueType));
        }

        @Override
        public Optional<?> getNullValue(DeserializationContext ctxt) {
            return Optional.empty();
        }
    }

    static JavaType type(java.lang.reflect.Type t) {
        return MAPPER.constructType(t);
    }
}
