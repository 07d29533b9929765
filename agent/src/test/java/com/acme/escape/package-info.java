/** Fixtures of escape attempts: classes an agent defines itself to get around its ring. */
package com.acme.escape;
