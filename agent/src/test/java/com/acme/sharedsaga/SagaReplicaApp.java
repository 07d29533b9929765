package com.acme.sharedsaga;

/**
 * One replica. Prints {@code READY}, then reads commands: {@code run N} (a transfer of N legs that
 * completes: {@code DONE <last step id>}), {@code hang N} (a transfer of N legs that then waits inside
 * its saga, on its own thread: {@code HUNG <last step id>}; the test kills the JVM there), {@code stuck N}
 * (N - 1 legs, then one that hangs inside its body: {@code HUNG <its step id>}, in doubt once killed),
 * {@code teller N} (a transfer the agent {@code teller} runs), {@code quit}.
 */
public final class SagaReplicaApp {
    private SagaReplicaApp() {
    }

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        say("READY");
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.trim().split(" ");
            switch (words[0]) {
                case "run" -> {
                    try {
                        say("DONE " + Transfers.transfer(Integer.parseInt(words[1]), false));
                    } catch (RuntimeException refused) {
                        say("REFUSED " + refused);
                    }
                }
                case "teller" -> {
                    try {
                        say("DONE " + new Teller().transfer(Integer.parseInt(words[1])));
                    } catch (RuntimeException refused) {
                        say("REFUSED " + refused);
                    }
                }
                case "hang", "stuck" -> {
                    Thread t = new Thread(() -> {
                        try {
                            if (words[0].equals("stuck")) {
                                Transfers.transferStuck(Integer.parseInt(words[1]));
                            } else {
                                Transfers.transfer(Integer.parseInt(words[1]), true);
                            }
                        } catch (InterruptedException | RuntimeException e) {
                            say("REFUSED " + e);
                        }
                    }, "hanging-transfer");
                    t.setDaemon(true);
                    t.start();
                }
                case "quit" -> {
                    say("BYE");
                    return;
                }
                default -> say("UNKNOWN " + line);
            }
        }
    }
}
