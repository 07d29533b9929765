package org.agenthypervisor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.module.InvalidModuleDescriptorException;
import java.lang.module.ModuleDescriptor;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The launcher's module declaration, read back by the JDK, is the one its strict builder makes. */
class ModuleInfoBytesTest {
    @Test
    void readBackItIsTheDescriptorTheBuilderWouldMake() throws Exception {
        Set<String> packages = Set.of("org.example.a", "org.example.b", "org.example.b.c");
        List<String> uses = List.of("java.util.function.Supplier", "org.example.a.Service");
        Map<String, List<String>> provides = new LinkedHashMap<>();
        provides.put("java.util.function.Supplier", List.of("org.example.a.Entry"));
        provides.put("org.example.a.Service", List.of("org.example.b.One", "org.example.b.c.Two"));
        ModuleDescriptor read = ModuleDescriptor.read(ByteBuffer.wrap(ModuleInfoBytes.of("org.example", uses, provides)),
                () -> packages);
        ModuleDescriptor.Builder builder = ModuleDescriptor.newModule("org.example").packages(packages);
        uses.forEach(builder::uses);
        provides.forEach(builder::provides);
        ModuleDescriptor built = builder.build();
        assertEquals(built, read);
        assertEquals(built.requires(), read.requires(), "requires mandated java.base");
        assertEquals(Set.of(), read.exports());
        assertEquals(Set.of(), read.opens());
        assertEquals(false, read.isOpen());
        assertEquals(packages, read.packages());
    }

    @Test
    void aProviderOutsideTheModulesPackagesIsRefusedByTheJdk() throws Exception {
        byte[] bytes = ModuleInfoBytes.of("org.example", List.of(), Map.of("java.util.function.Supplier", List.of("org.other.Entry")));
        assertThrows(InvalidModuleDescriptorException.class,
                () -> ModuleDescriptor.read(ByteBuffer.wrap(bytes), () -> Set.of("org.example.a")));
    }
}
