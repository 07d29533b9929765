package com.acme.liability;

import org.agenthypervisor.api.Agent;

/** Agents of a diamond: coord gets results from left and right, both built on source's; sink misbehaves. */
public final class Diamond {
    private Diamond() {
    }

    @Agent("source")
    public static class Source {
        public String fetch(String q) {
            return "data(" + q + ")";
        }
    }

    @Agent("left")
    public static class Left {
        public String work(String q) {
            return "left:" + new Source().fetch(q);
        }
    }

    @Agent("right")
    public static class Right {
        public String work(String q) {
            return "right:" + new Source().fetch(q);
        }
    }

    @Agent("sink")
    public static class Sink {
        public String store(String merged) {
            return Kernel.wipe(merged);
        }
    }

    @Agent("coord")
    public static class Coord {
        public String run() {
            String l = new Left().work("l");
            String r = new Right().work("r");
            return new Sink().store(l + r);
        }
    }
}
