package org.agenthypervisor.agent.integration.jdk;

import net.bytebuddy.asm.Advice;
import org.agenthypervisor.agent.integration.Target;
import org.agenthypervisor.bridge.CapabilityGate;

import java.net.DatagramPacket;
import java.util.List;

/**
 * The JDK's network entry points, as one table: each row a method, the advice that reads its target,
 * and the capability it needs ({@code network.connect} or {@code network.listen}). Every TCP connection
 * the JDK makes starts in {@code Socket.connect} (every {@code Socket} constructor that connects calls
 * it; TLS sockets too) or in the NIO channels' {@code connect} ({@code SocketChannel.open(address)},
 * {@code java.net.http.HttpClient}, Netty's NIO transport); every UDP datagram to an address in the
 * datagram channel ({@code DatagramSocket} is built on it since JDK 15); every listening socket in a
 * {@code bind}. Rows missing from a JDK version are simply not woven.
 */
public final class NetworkEntryPoints extends JdkIntegration {
    private static final String FEATURE = "network capabilities";

    @Override
    public String name() {
        return "JDK network entry points";
    }

    @Override
    public boolean weavesUnloadedJdkClassesOnLoad() {
        return true;
    }

    @Override
    public List<Target> targets() {
        return List.of(
                t("java.net.Socket", "connect", "(Ljava/net/SocketAddress;I)V", "Connect"),
                t("sun.nio.ch.SocketChannelImpl", "connect", "(Ljava/net/SocketAddress;)Z", "Connect"),
                t("sun.nio.ch.AsynchronousSocketChannelImpl", "connect", "(Ljava/net/SocketAddress;", "Connect"),
                t("sun.nio.ch.DatagramChannelImpl", "connect", "(Ljava/net/SocketAddress;Z)", "Connect"),
                t("sun.nio.ch.DatagramChannelImpl", "send", "(Ljava/nio/ByteBuffer;Ljava/net/SocketAddress;)I", "SendTo"),
                // JDK 17-21: DatagramSocket sends through blockingSend(buffer, target); JDK 22+: blockingSend(packet).
                t("sun.nio.ch.DatagramChannelImpl", "blockingSend", "(Ljava/nio/ByteBuffer;Ljava/net/SocketAddress;)", "SendTo"),
                t("sun.nio.ch.DatagramChannelImpl", "blockingSend", "(Ljava/net/DatagramPacket;)", "SendPacket"),
                t("java.net.ServerSocket", "bind", "(Ljava/net/SocketAddress;I)V", "Listen"),
                t("sun.nio.ch.ServerSocketChannelImpl", "bind", "(Ljava/net/SocketAddress;I)", "Listen"),
                t("sun.nio.ch.AsynchronousServerSocketChannelImpl", "bind", "(Ljava/net/SocketAddress;I)", "Listen"));
    }

    /** A target whose advice is the class nested here under {@code advice}: named, and loaded only to weave. */
    private static Target t(String type, String method, String descriptorPrefix, String advice) {
        return Target.of(type, method, descriptorPrefix, NetworkEntryPoints.class.getName() + "$" + advice, FEATURE);
    }

    public static final class Connect {
        private Connect() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object address) {
            CapabilityGate.connect(address);
        }
    }

    public static final class SendTo {
        private SendTo() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(1) Object address) {
            CapabilityGate.connect(address);
        }
    }

    /** A packet without an address goes where the socket is connected, which was checked at connect. */
    public static final class SendPacket {
        private SendPacket() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) DatagramPacket packet) {
            if (packet != null && packet.getAddress() != null) {
                CapabilityGate.connect(packet.getSocketAddress());
            }
        }
    }

    public static final class Listen {
        private Listen() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.Argument(0) Object address) {
            CapabilityGate.listen(address);
        }
    }
}
