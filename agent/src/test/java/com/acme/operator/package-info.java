/** The application of OperatorControlsIT: graded breach detection, quarantine and the kill switch. */
package com.acme.operator;
