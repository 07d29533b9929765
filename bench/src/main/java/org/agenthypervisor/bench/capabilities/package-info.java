/** What the checks woven into the JDK's own entry points (files) cost the calls they guard. */
package org.agenthypervisor.bench.capabilities;
