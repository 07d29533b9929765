/** The application of MXBeanRegistrationIT: when the hypervisor's MXBean appears. */
package com.acme.jmx;
