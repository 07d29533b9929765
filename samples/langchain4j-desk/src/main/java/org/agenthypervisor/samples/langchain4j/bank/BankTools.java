package org.agenthypervisor.samples.langchain4j.bank;

import dev.langchain4j.agent.tool.CompensateFor;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Debit and credit tools with their undo methods. How the next {@code credit} call behaves is set
 * by {@link #failCredits} and {@link #crashOnCredit}.
 */
public class BankTools {
    static final Path FILE = Path.of("balances.properties");
    /** The next this many credit calls fail (a bank that is down). */
    public static int failCredits;
    /** The next credit call kills the JVM (kill -9 in the middle of the run). */
    public static boolean crashOnCredit;

    @Tool("Debits an account")
    public String debit(@P(name = "account", value = "the account") String account,
                        @P(name = "amount", value = "the amount") int amount) {
        add(account, -amount);
        return "debited " + amount + " from " + account;
    }

    @CompensateFor("debit")
    public void undoDebit(String account, int amount) {
        add(account, amount);
        add("undone", 1);
    }

    @Tool("Credits an account")
    public String credit(@P(name = "account", value = "the account") String account,
                         @P(name = "amount", value = "the amount") int amount) {
        if (crashOnCredit) {
            Runtime.getRuntime().halt(137);
        }
        if (failCredits > 0) {
            failCredits--;
            throw new IllegalStateException("the bank is down, try again");
        }
        add(account, amount);
        return "credited " + amount + " to " + account;
    }

    @CompensateFor("credit")
    public void undoCredit(String account, int amount) {
        add(account, -amount);
        add("undone", 1);
    }

    /** {@code mario=100 luigi=100 undone=0}: the balances and how many undo bodies ran. */
    public static synchronized String balances() {
        Properties p = load();
        return "mario=" + p.getProperty("mario", "100") + " luigi=" + p.getProperty("luigi", "100") + " undone="
                + p.getProperty("undone", "0");
    }

    private static synchronized void add(String key, int delta) {
        Properties p = load();
        int start = key.equals("undone") ? 0 : 100;
        p.setProperty(key, Integer.toString(Integer.parseInt(p.getProperty(key, Integer.toString(start))) + delta));
        try (var out = Files.newOutputStream(FILE)) {
            p.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Properties load() {
        Properties p = new Properties();
        if (Files.exists(FILE)) {
            try (var in = Files.newInputStream(FILE)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }
}
