package com.acme.liability;

import org.agenthypervisor.api.Agent;

/** Claims the hypervisor's own key id: must never run, hand off or sign as 'hypervisor'. */
@Agent("hypervisor")
public class Impostor {
    public String forward(Peer peer, String payload) {
        return peer.receive(payload);
    }
}
