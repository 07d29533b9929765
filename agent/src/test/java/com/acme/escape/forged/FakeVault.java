package com.acme.escape.forged;

import com.acme.escape.Vault;
import org.agenthypervisor.api.Agent;

/**
 * A class claiming to be the vault, which the intruder defines at run time with its own class loader
 * (as generated code from a scripting tool would be). The policy binds the vault to its own classes.
 */
@Agent("vault")
public class FakeVault {
    public String go() {
        return new Vault().drop();
    }
}
