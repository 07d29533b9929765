package org.agenthypervisor.core.liability;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChainTest {
    @Test
    void aHandOffShiftsTheSendersChainAndPutsTheSenderAtOne() {
        Chain inB = Chain.EMPTY.handedBy(1, "ab");
        Chain inC = inB.handedBy(2, "bc");
        assertEquals(1, inC.distanceOf(2));
        assertEquals(2, inC.distanceOf(1));
        assertEquals(0, inC.distanceOf(3));
        assertEquals(List.of("bc"), inC.parents(), "only the direct vouch is a parent");
        assertEquals(List.of("ab"), inB.parents());
    }

    @Test
    void aSenderAlreadyInItsChainMovesToDistanceOne() {
        Chain back = Chain.EMPTY.handedBy(1, "ab").handedBy(2, "ba").handedBy(1, "ab2");
        assertEquals(1, back.distanceOf(1));
        assertEquals(2, back.distanceOf(2));
        assertEquals(2, back.size());
        assertEquals(List.of("ab2"), back.parents());
    }

    @Test
    void mergeKeepsTheNearestDistanceAndBothDirectVouches() {
        Chain x = Chain.EMPTY.handedBy(1, "x1").handedBy(3, "x3"); // 3:1, 1:2
        Chain y = Chain.EMPTY.handedBy(1, "y1");                  // 1:1
        Chain m = x.merge(y);
        assertEquals(1, m.distanceOf(1));
        assertEquals(1, m.distanceOf(3));
        assertEquals(List.of("y1", "x3"), m.parents());
        assertEquals(m, y.merge(x).merge(Chain.EMPTY), "distances do not depend on the order");
        assertSame(x, x.merge(Chain.EMPTY));
        assertSame(y, Chain.EMPTY.merge(y));
    }

    @Test
    void theNewerDirectVouchOfTheSameSenderWins() {
        Chain first = Chain.EMPTY.handedBy(4, "old");
        Chain second = Chain.EMPTY.handedBy(4, "new");
        assertEquals(List.of("new"), first.merge(second).parents());
        assertEquals(List.of("old"), second.merge(first).parents());
    }

    @Test
    void theSizeIsBoundedByTheNumberOfAgents() {
        Chain c = Chain.EMPTY;
        for (int i = 0; i < 10_000; i++) {
            c = c.merge(Chain.EMPTY.handedBy(1 + i % 5, "v" + i));
        }
        assertEquals(5, c.size());
        assertEquals(5, c.parents().size());
    }

    @Test
    void ofReadsTheContextSlot() {
        assertSame(Chain.EMPTY, Chain.of(null));
        assertSame(Chain.EMPTY, Chain.of("something else"));
        Chain c = Chain.ofDistances(2, 3, 2, 1);
        assertSame(c, Chain.of(c));
        assertEquals(1, c.distanceOf(2));
        assertTrue(c.toString().contains("#2 d1"));
    }

    @Test
    void byDistanceOrdersNearestFirstThenByName() {
        Chain c = Chain.ofDistances(1, 2, 2, 1, 3, 1, 4, 3);
        String[] names = {"h", "zed", "beta", "alpha", "x"};
        int[] order = c.byDistance(i -> names[i]);
        int[] agents = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            agents[i] = c.agentAt(order[i]);
        }
        assertEquals(List.of(3, 2, 1, 4), java.util.Arrays.stream(agents).boxed().toList());
    }
}
