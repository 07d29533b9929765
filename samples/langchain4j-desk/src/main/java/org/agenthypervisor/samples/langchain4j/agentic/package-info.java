/** A langchain4j-agentic sequence: a crediting agent hands its work to a withdrawing agent. */
package org.agenthypervisor.samples.langchain4j.agentic;
