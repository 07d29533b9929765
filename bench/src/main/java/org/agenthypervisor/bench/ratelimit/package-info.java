/** Issue 15's rate limits: the gate's allowed path with and without a limit, and the bucket alone. */
package org.agenthypervisor.bench.ratelimit;
