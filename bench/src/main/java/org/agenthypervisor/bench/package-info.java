/**
 * JMH benchmarks of the hypervisor's hot paths, one subpackage per concern. They are compiled by
 * the build but only run by hand (see {@code bench/README.md}); results go to {@code bench/RESULTS.md}.
 */
package org.agenthypervisor.bench;
