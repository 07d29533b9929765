package org.agenthypervisor.core.report;

import org.agenthypervisor.core.audit.AuditVerifier;
import org.agenthypervisor.core.crypto.PublicKey;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * {@code audit report --html}: verifies the log as {@code audit verify} does (with the default
 * coverage bound), streams the records in scope into a digest and writes the page. Read-only on the
 * data directory, like {@code audit verify}.
 */
public final class AuditReport {
    /** What was written. */
    public record Result(boolean verified, long recordsInScope, long recordsRead, String verdict) {
    }

    private AuditReport() {
    }

    /**
     * Writes the report of {@code <dataDir>/audit} to {@code htmlFile} (through a temporary file in the same
     * directory, so a half-written page is never left under its name).
     *
     * @param key            the hypervisor's public key to check tree heads with, or null if there is none
     * @param dataDirForUser the data directory as the user gave it, for the commands the page shows
     * @throws NoSuchFileException if there is no audit log
     */
    public static Result write(Path auditDir, PublicKey key, ReportScope scope, Path htmlFile, String dataDirForUser)
            throws IOException {
        if (!Files.isDirectory(auditDir)) {
            throw new NoSuchFileException(auditDir.toString(), null, "no audit log directory");
        }
        HtmlReport.Verification verification = verify(auditDir, key);
        AuditDigest digest = AuditDigest.read(auditDir, scope);
        return finish(htmlFile, digest, verification, w -> HtmlReport.write(w, digest, verification, dataDirForUser,
                Instant.now()));
    }

    /** Writes the page through a temporary file, then says what was written and whether the log verified. */
    private static Result finish(Path htmlFile, AuditDigest digest, HtmlReport.Verification verification, Page page)
            throws IOException {
        Path target = htmlFile.toAbsolutePath();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8), 1 << 16)) {
            page.write(w);
        } catch (IOException | RuntimeException failed) {
            Files.deleteIfExists(tmp);
            throw failed;
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        String verdict;
        if (verification.verified()) {
            verdict = "verified";
        } else if (verification.problem() != null) {
            verdict = "NOT verified: " + verification.problem();
        } else if (verification.report().failure() != null) {
            verdict = "NOT verified: " + (verification.report().failure().record() >= 0 ? "first bad record "
                    + verification.report().failure().record() + ": " : "") + verification.report().failure().message();
        } else if (verification.coverageRefusal() != null) {
            verdict = "NOT verified: " + verification.coverageRefusal();
        } else {
            verdict = "NOT verified: records were lost and are not stated in the log";
        }
        return new Result(verification.verified(), digest.recordsInScope, digest.recordsRead, verdict);
    }

    /**
     * Writes the report of a shared store's audit log ({@code audit report --store}): verified and read
     * in the one read-only snapshot {@code rows} holds, so both see the same records while JVMs write.
     *
     * @param policyFile       the policy naming the store, as the user gave it, for the commands the page shows
     * @param storeDescription where the log is, for the header
     */
    public static Result write(org.agenthypervisor.core.audit.AuditRows rows, ReportScope scope, Path htmlFile,
                               String policyFile, String storeDescription) throws IOException {
        HtmlReport.Verification verification;
        try {
            AuditVerifier.Report r = AuditVerifier.verify(rows);
            String refusal = r.ok() ? AuditVerifier.Coverage.defaults().refusal(r) : null;
            verification = new HtmlReport.Verification(r, refusal, null);
        } catch (IOException | RuntimeException e) {
            verification = new HtmlReport.Verification(null, null, "the verifier could not read the log: " + e);
        }
        AuditDigest digest = AuditDigest.read(rows, scope);
        HtmlReport.Verification v = verification;
        return finish(htmlFile, digest, v, w -> HtmlReport.writeStore(w, digest, v, policyFile, storeDescription,
                Instant.now()));
    }

    private interface Page {
        void write(Writer w) throws IOException;
    }

    private static HtmlReport.Verification verify(Path auditDir, PublicKey key) {
        try {
            AuditVerifier.Report r = AuditVerifier.verify(auditDir, key);
            String refusal = r.ok() ? AuditVerifier.Coverage.defaults().refusal(r) : null;
            return new HtmlReport.Verification(r, refusal, null);
        } catch (IOException | RuntimeException e) {
            // Fail closed: a log the verifier cannot even read is reported as not verified, with why.
            return new HtmlReport.Verification(null, null, "the verifier could not read the log: " + e);
        }
    }
}
