/**
 * The canary the agent instruments and calls right after installing, to prove the advice really
 * landed before the application's {@code main} runs. Loaded in a throwaway class loader.
 */
package org.agenthypervisor.selfcheck;
