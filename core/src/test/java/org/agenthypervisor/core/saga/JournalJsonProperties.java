package org.agenthypervisor.core.saga;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.agenthypervisor.core.encoding.CanonicalJson;
import org.agenthypervisor.core.encoding.PayloadEncoder;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The journal's own writer produces exactly CanonicalJson's bytes, for every string and member order. */
class JournalJsonProperties {

    @Provide
    Arbitrary<String> anyString() {
        return Arbitraries.strings().all().ofMaxLength(40);
    }

    @Property(tries = 500)
    void stringsAreWrittenAsCanonicalJsonWritesThem(@ForAll("anyString") String value, @ForAll long number,
                                                    @ForAll boolean flag) {
        byte[] mine = JournalJson.record("step.failed", "s1", number).put("error", value).put("flag", flag).toBytes();
        Map<String, Object> tree = new TreeMap<>();
        tree.put("type", "step.failed");
        tree.put("saga", "s1");
        tree.put("time", number);
        tree.put("error", value);
        tree.put("flag", flag);
        assertArrayEquals(CanonicalJson.write(tree), mine, value);
    }

    @Property(tries = 300)
    void membersAreSortedWhateverOrderTheyArePutIn(@ForAll("keys") List<String> keys) {
        JournalJson json = new JournalJson();
        Map<String, Object> tree = new TreeMap<>();
        for (int i = 0; i < keys.size(); i++) {
            json.put(keys.get(i), (long) i);
            tree.put(keys.get(i), (long) i);
        }
        assertArrayEquals(CanonicalJson.write(tree), json.toBytes());
    }

    @Provide
    Arbitrary<List<String>> keys() {
        return Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(3).list().uniqueElements()
                .ofMaxSize(12);
    }

    @Property(tries = 300)
    void embeddedEncodingsKeepTheRecordCanonical(@ForAll("anyString") String a, @ForAll int b) {
        byte[] args = PayloadEncoder.encodeArguments(new Object[] {a, b, List.of(a), Map.of("k", a)}).json();
        byte[] record = JournalJson.record("step.started", "s9", 1).putRaw("args", args).put("step", "s9.1").toBytes();
        Map<String, Object> tree = new TreeMap<>();
        tree.put("type", "step.started");
        tree.put("saga", "s9");
        tree.put("time", 1L);
        tree.put("args", CanonicalJson.parse(args));
        tree.put("step", "s9.1");
        assertArrayEquals(CanonicalJson.write(tree), record);
    }
}
