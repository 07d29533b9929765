package org.agenthypervisor.core.policy;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * "Did you mean …?" for keys and values. Uses the optimal-string-alignment distance (Levenshtein plus
 * adjacent transpositions), because the typos people make in keys are mostly swapped letters
 * ({@code rign}) and a dropped or doubled letter; case differences count as nothing.
 */
final class Suggestions {
    private Suggestions() {
    }

    /**
     * The candidate closest to {@code word}, if it is close enough to be a likely typo: distance at
     * most 1 for words of up to 3 characters, 2 up to 7, else 3; never a candidate that shares less than
     * half of the word.
     */
    static Optional<String> closest(String word, Collection<String> candidates) {
        String w = word.toLowerCase(Locale.ROOT);
        int limit = w.length() <= 3 ? 1 : w.length() <= 7 ? 2 : 3;
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(w, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best == null || bestDistance > limit || bestDistance * 2 > Math.max(w.length(), best.length())) {
            return Optional.empty();
        }
        return Optional.of(best);
    }

    /** Optimal string alignment distance between a and b. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
