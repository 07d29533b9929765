package org.agenthypervisor.core.policy;

import org.agenthypervisor.core.crypto.KeyDirectory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema in {@code policies/} describes exactly what the parser accepts: the same keys at
 * every place, closed objects everywhere, and the same defaults.
 */
class PolicySchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode schema;

    @BeforeAll
    static void load() throws IOException {
        Path file = PolicyTesting.repoRoot().resolve("policies/agent-hypervisor-policy.schema.json");
        schema = JSON.readTree(file.toFile());
    }

    @Test
    void isADraft202012Schema() {
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.path("$schema").asText());
        assertTrue(schema.path("description").asText().length() > 20);
    }

    @Test
    void listsExactlyTheKeysTheParserAccepts() {
        Map<String, Set<String>> fromSchema = new LinkedHashMap<>();
        walk(schema, "", fromSchema);
        assertEquals(PolicyParser.KNOWN_KEYS, fromSchema);
    }

    @Test
    void everyObjectIsClosedAndEveryPropertyDescribed() {
        List<String> open = new ArrayList<>();
        List<String> undescribed = new ArrayList<>();
        checkClosed(schema, "#", open, undescribed);
        assertEquals(List.of(), open, "objects without additionalProperties: false");
        assertEquals(List.of(), undescribed, "properties without a description");
    }

    @Test
    void everyRefResolves() {
        List<String> dangling = new ArrayList<>();
        schema.findValues("$ref").forEach(ref -> {
            if (resolveRef(ref.asText()).isMissingNode()) {
                dangling.add(ref.asText());
            }
        });
        assertEquals(List.of(), dangling);
    }

    /**
     * A policy that writes every schema default explicitly must parse to the built-in default policy: the
     * schema cannot advertise a default the parser does not apply.
     */
    @Test
    void schemaDefaultsAreTheParserDefaults() throws Exception {
        ObjectNode document = defaults(schema);
        document.put("version", 1);
        String json = JSON.writeValueAsString(document);
        assertTrue(json.contains("\"treeHeadInterval\":\"5s\""), json);
        assertTrue(json.contains("\"thresholds\":{\"0\":0.95"), json);
        assertTrue(json.contains("\"frameworks\":{\"onDenial\":\"tell-model\",\"unidentifiedRing\":3"), json);
        Policy p = PolicyParser.parse(json, "schema defaults");
        Policy d = PolicyParser.defaults();
        assertEquals(d, new Policy(d.source(), d.sha256(), p.mode(), p.onInternalError(), p.dataDir(), p.host(),
                p.agents(), p.rules(), p.compensations(), p.sagas(), p.trust(), p.liability(), p.saga(), p.sessions(),
                p.audit(), p.frameworks()), json);
    }

    /** Rules and saga entries take exactly one selector, in the schema as in the parser. */
    @Test
    void selectorsAreExclusive() {
        assertEquals(Set.of(Set.of("methods"), Set.of("annotatedWith"), Set.of("tools")),
                requiredSets(schema.at("/properties/rules/items/oneOf")));
        assertEquals(Set.of(Set.of("methods"), Set.of("aiService"), Set.of("agentic")),
                requiredSets(schema.at("/properties/sagas/items/oneOf")));
        assertTrue(schema.at("/properties/sagas/items/required").isMissingNode(), "no saga selector is required alone");
    }

    @Test
    void reservedAgentIdsAreTheParsers() {
        List<String> reserved = new ArrayList<>();
        schema.at("/properties/agents/propertyNames/not/enum").forEach(id -> reserved.add(id.asText()));
        assertEquals(List.of("host", PolicyReader.RESERVED_UNIDENTIFIED, KeyDirectory.HYPERVISOR), reserved);
        for (String id : reserved) {
            PolicyTesting.problem("version: 1\nagents:\n  " + id + ": {}\n");
        }
    }

    @Test
    void onDenialValuesAreTheParsers() {
        List<String> values = new ArrayList<>();
        schema.at("/$defs/onDenial/enum").forEach(v -> values.add(v.asText()));
        assertEquals(List.of("tell-model", "abort"), values);
        for (String v : values) {
            PolicyTesting.parse("version: 1\nframeworks: {onDenial: " + v + "}\n");
        }
        assertEquals("#/$defs/onDenial", schema.at("/properties/frameworks/properties/onDenial/$ref").asText());
        assertEquals("#/$defs/onDenial",
                schema.at("/properties/agents/patternProperties").elements().next().at("/properties/onDenial/$ref")
                        .asText());
    }

    /** The schema refuses the AI-service globs the parser refuses, and only those. */
    @Test
    void aiServiceGlobsTheSchemaRefusesAreTheOnesTheParserRefuses() {
        JsonNode def = schema.at("/$defs/aiServiceGlob/allOf");
        java.util.regex.Pattern jdk = java.util.regex.Pattern.compile(def.get(1).at("/not/pattern").asText());
        Set<String> whole = new LinkedHashSet<>();
        def.get(2).at("/not/enum").forEach(v -> whole.add(v.asText()));
        for (String glob : List.of("jdk.proxy2.*", "jdk.proxy1.$Proxy12", "com.sun.proxy.*", "com.sun.proxy", "java.*",
                "java", "javax.**", "jdk.internal.*", "sun.misc.Unsafe", "com.sun.net.*", "*", "**",
                "com.acme.lc.Assistant", "com.acme.**", "javafx.Assistant", "sunny.Bot", "jdkx.*", "com.sunny.*",
                "*.Assistant", "**.lc.*Assistant")) {
            boolean schemaRefuses = jdk.matcher(glob).find() || whole.contains(glob);
            boolean parserRefuses;
            try {
                PolicyReader.checkAiServiceGlob(glob);
                parserRefuses = false;
            } catch (IllegalArgumentException e) {
                parserRefuses = true;
            }
            assertEquals(parserRefuses, schemaRefuses, glob);
        }
    }

    private static Set<Set<String>> requiredSets(JsonNode alternatives) {
        Set<Set<String>> out = new LinkedHashSet<>();
        alternatives.forEach(alt -> {
            Set<String> required = new LinkedHashSet<>();
            alt.path("required").forEach(r -> required.add(r.asText()));
            out.add(required);
        });
        return out;
    }

    /** Collects, per place (the notation of {@link PolicyParser#KNOWN_KEYS}), the keys of object schemas. */
    private static void walk(JsonNode node, String place, Map<String, Set<String>> out) {
        node = deref(node);
        List<JsonNode> alternatives = new ArrayList<>();
        alternatives.add(node);
        for (String combinator : List.of("oneOf", "anyOf", "allOf")) {
            node.path(combinator).forEach(alt -> alternatives.add(deref(alt)));
        }
        for (JsonNode alt : alternatives) {
            JsonNode properties = alt.path("properties");
            if (properties.isObject() && properties.size() > 0 && alt.path("type").toString().contains("object")) {
                Set<String> keys = out.computeIfAbsent(place, k -> new LinkedHashSet<>());
                for (Map.Entry<String, JsonNode> p : properties.properties()) {
                    keys.add(p.getKey());
                    walk(p.getValue(), place.isEmpty() ? p.getKey() : place + "." + p.getKey(), out);
                }
            }
            for (JsonNode pattern : alt.path("patternProperties")) {
                walk(pattern, place + ".*", out);
            }
            if (alt.has("items")) {
                walk(alt.path("items"), place + "[]", out);
            }
        }
    }

    private static void checkClosed(JsonNode node, String at, List<String> open, List<String> undescribed) {
        if (node.isObject()) {
            boolean hasKeys = node.has("properties") || node.has("patternProperties");
            if (hasKeys && node.path("type").toString().contains("object")
                    && !node.path("additionalProperties").isBoolean()) {
                open.add(at);
            }
            if (node.has("additionalProperties") && node.path("additionalProperties").asBoolean(true)) {
                open.add(at);
            }
            // Sub-schemas without a type only constrain properties declared elsewhere (rules' anyOf).
            if (node.path("type").toString().contains("object")) {
                for (Map.Entry<String, JsonNode> p : node.path("properties").properties()) {
                    if (!p.getValue().has("description")) {
                        undescribed.add(at + "/properties/" + p.getKey());
                    }
                }
            }
            for (Map.Entry<String, JsonNode> child : node.properties()) {
                checkClosed(child.getValue(), at + "/" + child.getKey(), open, undescribed);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkClosed(node.get(i), at + "/" + i, open, undescribed);
            }
        }
    }

    /** The schema's defaults as a document: scalar defaults, and nested sections that have some. */
    private static ObjectNode defaults(JsonNode objectSchema) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> p : deref(objectSchema).path("properties").properties()) {
            JsonNode property = p.getValue();
            if (property.has("default")) {
                out.set(p.getKey(), property.get("default"));
            } else if (property.has("properties")) {
                ObjectNode nested = defaults(property);
                if (nested.size() > 0) {
                    out.set(p.getKey(), nested);
                }
            }
        }
        return out;
    }

    private static JsonNode deref(JsonNode node) {
        JsonNode current = node;
        for (int i = 0; i < 10 && current.has("$ref") && !current.has("properties"); i++) {
            current = resolveRef(current.get("$ref").asText());
        }
        return current;
    }

    private static JsonNode resolveRef(String ref) {
        if (!ref.startsWith("#/")) {
            return fail("only local references are expected: " + ref);
        }
        return schema.at(ref.substring(1));
    }
}
