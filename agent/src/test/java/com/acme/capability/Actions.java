package com.acme.capability;

import java.io.FileOutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The things an agent tries through the JDK; {@code action} is "what[:argument]". */
final class Actions {
    static int tcpPort;
    static int otherPort;
    static int httpPort;

    private Actions() {
    }

    static String perform(String action) throws Exception {
        int colon = action.indexOf(':');
        String what = colon < 0 ? action : action.substring(0, colon);
        String arg = colon < 0 ? "" : action.substring(colon + 1);
        switch (what) {
            case "connect":
                try (Socket s = new Socket("127.0.0.1", tcpPort)) {
                    return "connected";
                }
            case "connect-other":
                try (Socket s = new Socket("127.0.0.1", otherPort)) {
                    return "connected";
                }
            case "http": {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/refunds"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                return "status " + r.statusCode();
            }
            case "write":
                Files.createDirectories(Path.of(arg).toAbsolutePath().getParent());
                Files.writeString(Path.of(arg), "exfiltrated");
                return "written";
            case "write-stream":
                try (FileOutputStream out = new FileOutputStream(arg)) {
                    out.write(1);
                }
                return "written";
            case "read":
                return Files.readString(Path.of(arg)).trim();
            case "process": {
                Process p = new ProcessBuilder("sh", "-c", "touch " + arg).start();
                return "exit " + p.waitFor();
            }
            case "exec": {
                Process p = Runtime.getRuntime().exec(new String[] {"sh", "-c", "touch " + arg});
                return "exit " + p.waitFor();
            }
            case "exit":
                System.exit(3);
                return "still running";
            case "halt":
                Runtime.getRuntime().halt(4);
                return "still running";
            case "load":
                try {
                    System.loadLibrary("agenthypervisor-no-such-library");
                    return "loaded";
                } catch (UnsatisfiedLinkError e) {
                    return "tried";
                }
            case "env":
                return String.valueOf(System.getenv(arg));
            case "whole-env":
                return "variables " + System.getenv().size();
            case "listen":
                try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                    return "listening";
                }
            case "unsafe": {
                java.lang.reflect.Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
                f.setAccessible(true);
                return "opened " + (f.get(null) != null);
            }
            default:
                throw new IllegalArgumentException(action);
        }
    }
}
