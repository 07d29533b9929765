/** OpenTelemetryIT's application: the liability fixtures run inside a span of the OpenTelemetry SDK. */
package com.acme.otel;
