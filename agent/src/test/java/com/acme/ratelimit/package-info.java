/** The application of RateLimitsIT: per-agent and per-ring token buckets on calls and hand-offs. */
package com.acme.ratelimit;
