package org.agenthypervisor.core.gate;

import org.agenthypervisor.core.governance.ClassInfo;
import org.agenthypervisor.core.governance.MethodInfo;
import org.agenthypervisor.core.governance.MethodPlan;

/**
 * One instrumented method: its id is the constant the advice passes to the gate. What the bytes
 * do ({@link #kind}) is fixed when the class is transformed; what the gate decides for it
 * ({@link SiteBinding}) is recomputed from every policy version.
 *
 * @param classInfo the class as scanned, so a reload can plan it again
 * @param loaderId  identifies the defining class loader (its identity hash; 0 for the bootstrap)
 */
public record Site(int id, ClassInfo classInfo, MethodInfo method, MethodPlan.Kind kind, String display, int loaderId) {
}
