package com.acme.startup;

/**
 * Its own static initialiser, which runs before {@code main}, calls the agent; {@code main} then
 * prints what each start-up attempt got ({@code RESULT <name> <outcome>}) and the host's own call.
 */
public final class StartupApp {
    static final String WIPE_BEFORE_MAIN = Attempt.of(EarlyBot::wipe);

    private StartupApp() {
    }

    public static void main(String[] args) {
        System.out.println("RESULT before-main " + WIPE_BEFORE_MAIN);
        System.out.println("RESULT agent-clinit-wipe " + EarlyBot.WIPE_AT_INIT);
        System.out.println("RESULT agent-clinit-read " + EarlyBot.READ_AT_INIT);
        System.out.println("RESULT agent-clinit-connect " + EarlyBot.CONNECT_AT_INIT);
        System.out.println("RESULT agent-clinit-exec " + EarlyBot.EXEC_AT_INIT);
        System.out.println("RESULT host-wipe " + Attempt.of(Ledger::wipe));
        System.out.println("RESULT wiped " + Ledger.WIPED.get());
    }
}
