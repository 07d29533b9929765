package org.agenthypervisor.agent.advice;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.bridge.Gate;

/**
 * For methods and constructors that only carry a ring requirement: one static call at entry, no
 * exit advice. The required ring is a constant in the bytecode when an annotation fixes it. In a
 * constructor it runs before the super constructor call, so a denied caller
 * never gets a partly built object.
 */
public final class RingCheckAdvice {
    private RingCheckAdvice() {
    }

    @Advice.OnMethodEnter
    static void enter(@SiteId int site, @RequiredRing int ring) {
        Gate.check(site, ring);
    }
}
