/**
 * A transfer done by a model calling tools, made a saga by the policy alone: its tools are paired
 * with their undo by LangChain4j's own {@code @CompensateFor}. Balances live in a file in the
 * working directory, so a crash in the middle and the next start can be observed.
 */
package org.agenthypervisor.samples.langchain4j.bank;
