/** Benchmarks of the framework integrations: a governed tool call through LangChain4j's dispatcher. */
package org.agenthypervisor.bench.frameworks;
