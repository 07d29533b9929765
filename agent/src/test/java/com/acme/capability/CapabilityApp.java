package com.acme.capability;

import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The host: starts a TCP server and an HTTP server that count who reached them, then runs each
 * scenario {@code who:action[:argument]:mode} ({@code who} is bot, trusted or host) and prints
 * {@code RESULT <scenario> <outcome>}. {@code connections} and {@code requests} print the counts;
 * {@code grant-bot} rewrites the policy to grant the bot the TCP server, {@code await-grant} waits until
 * the bot may connect.
 */
public final class CapabilityApp {
    static final AtomicInteger CONNECTIONS = new AtomicInteger();
    static final AtomicInteger REQUESTS = new AtomicInteger();

    private CapabilityApp() {
    }

    public static void main(String[] args) throws Exception {
        Actions.tcpPort = Integer.getInteger("tcp.port");
        Actions.otherPort = Integer.getInteger("other.port");
        ServerSocket server = new ServerSocket(Actions.tcpPort, 50, java.net.InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (true) {
                try (Socket s = server.accept()) {
                    CONNECTIONS.incrementAndGet();
                } catch (Exception e) {
                    return;
                }
            }
        }, "acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        HttpServer http = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 10);
        http.createContext("/", exchange -> {
            REQUESTS.incrementAndGet();
            byte[] body = "refunds".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
        Actions.httpPort = http.getAddress().getPort();
        Dispatch.POOL.submit(() -> { }).get(); // the pool's threads exist before any agent runs

        try {
            runAll(args);
        } finally {
            http.stop(0);
        }
        System.out.println("RESULT end alive");
    }

    private static void runAll(String[] args) throws Exception {
        Bot bot = new Bot();
        Trusted trusted = new Trusted();
        for (String scenario : args) {
            switch (scenario) {
                case "connections":
                    Thread.sleep(300);
                    result(scenario, String.valueOf(CONNECTIONS.get()));
                    continue;
                case "requests":
                    result(scenario, String.valueOf(REQUESTS.get()));
                    continue;
                case "grant-bot": {
                    Path policy = Path.of("policy.yaml");
                    Files.writeString(policy, Files.readString(policy).replace("classes: com.acme.capability.Bot",
                            "classes: com.acme.capability.Bot\n    capabilities:\n      network.connect: [\"127.0.0.1:"
                                    + Actions.tcpPort + "\"]"));
                    result(scenario, "rewritten");
                    continue;
                }
                case "await-grant": {
                    String last = "";
                    for (int i = 0; i < 100; i++) {
                        last = outcome(() -> bot.run("connect", "thread"));
                        if (last.startsWith("allowed:")) {
                            break;
                        }
                        Thread.sleep(150);
                    }
                    result(scenario, last);
                    continue;
                }
                default:
                    break;
            }
            String who = scenario.substring(0, scenario.indexOf(':'));
            String rest = scenario.substring(who.length() + 1);
            String mode = rest.substring(rest.lastIndexOf(':') + 1);
            String action = rest.substring(0, rest.lastIndexOf(':'));
            switch (who) {
                case "bot":
                    result(scenario, outcome(() -> bot.run(action, mode)));
                    break;
                case "trusted":
                    result(scenario, outcome(() -> trusted.run(action, mode)));
                    break;
                case "host":
                    result(scenario, outcome(() -> Dispatch.run(mode, () -> Actions.perform(action))));
                    break;
                default:
                    throw new IllegalArgumentException(scenario);
            }
        }
    }

    static void result(String name, String outcome) {
        System.out.println("RESULT " + name + " " + outcome.replace('\n', ' '));
    }

    static String outcome(java.util.concurrent.Callable<?> call) {
        return com.acme.escape.EscapeApp.outcome(call);
    }
}
