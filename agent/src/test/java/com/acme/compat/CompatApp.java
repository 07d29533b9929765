package com.acme.compat;

import com.acme.desk.Ledger;
import com.acme.desk.Support;
import org.agenthypervisor.api.RingViolationException;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * An application that ships its own Byte Buddy, SnakeYAML, SnakeYAML Engine, Jackson and SLF4J
 * (other versions than the agent's, which are relocated) and the api jar. Uses them through
 * reflection so the test class path decides which versions run.
 */
public final class CompatApp {
    private CompatApp() {
    }

    public static void main(String[] args) throws Exception {
        result("bytebuddy", byteBuddy());
        result("snakeyaml", call(() -> {
            Class<?> yaml = Class.forName("org.yaml.snakeyaml.Yaml");
            Object parser = yaml.getConstructor().newInstance();
            return yaml.getMethod("load", String.class).invoke(parser, "answer: 42").toString();
        }));
        result("snakeyaml-engine", call(() -> {
            Class<?> settings = Class.forName("org.snakeyaml.engine.v2.api.LoadSettings");
            Object builder = settings.getMethod("builder").invoke(null);
            Object built = builder.getClass().getMethod("build").invoke(builder);
            Class<?> load = Class.forName("org.snakeyaml.engine.v2.api.Load");
            Object loader = load.getConstructor(settings).newInstance(built);
            return load.getMethod("loadFromString", String.class).invoke(loader, "engine: 2").toString();
        }));
        result("jackson", call(() -> {
            Class<?> mapper = Class.forName("com.fasterxml.jackson.databind.ObjectMapper");
            Object m = mapper.getConstructor().newInstance();
            Object version = mapper.getMethod("version").invoke(m);
            return mapper.getMethod("writeValueAsString", Object.class).invoke(m, Map.of("x", 1)) + " " + version;
        }));
        result("slf4j", call(() -> {
            Class<?> factory = Class.forName("org.slf4j.LoggerFactory");
            Object logger = factory.getMethod("getLogger", String.class).invoke(null, "com.acme.compat");
            logger.getClass().getMethod("info", String.class).invoke(logger, "the application's own log line");
            return "logged";
        }));
        try {
            new Support().askLedger(new Ledger());
            result("denial", "not denied");
        } catch (RingViolationException caught) {
            result("denial", "caught " + caught.getClass().getName() + " agent=" + caught.agent() + " required="
                    + caught.requiredRing() + " loader=" + caught.getClass().getClassLoader()
                    + " same-as-app=" + (caught.getClass() == RingViolationException.class));
        }
    }

    private static String byteBuddy() {
        return call(() -> {
            Class<?> bb = Class.forName("net.bytebuddy.ByteBuddy");
            Object byteBuddy = bb.getConstructor().newInstance();
            Object builder = bb.getMethod("subclass", Class.class).invoke(byteBuddy, Object.class);
            Method make = builder.getClass().getMethod("make");
            make.setAccessible(true);
            Object unloaded = make.invoke(builder);
            Method getBytes = unloaded.getClass().getMethod("getBytes");
            getBytes.setAccessible(true);
            byte[] bytes = (byte[]) getBytes.invoke(unloaded);
            String version = bb.getPackage().getImplementationVersion();
            return "made a class of " + bytes.length + " bytes with Byte Buddy " + (version == null ? bb.getProtectionDomain().getCodeSource().getLocation() : version);
        });
    }

    interface Body {
        String run() throws Exception;
    }

    private static String call(Body body) {
        try {
            return body.run();
        } catch (Throwable t) {
            return "FAILED " + t;
        }
    }

    private static void result(String name, Object value) {
        System.out.println("RESULT " + name + " " + value);
    }
}
