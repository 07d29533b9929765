package org.agenthypervisor.samples.refund;

import org.agenthypervisor.it.AuditRecords;
import org.agenthypervisor.it.ChildJvm.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a person sees of the demo's audit report in headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, driven by Selenium): the banner, the graph, billing's slashes, the rolled-back
 * saga, the denials table filtered to one agent; and that the page made no network request and logged
 * no script error. Without Chromium the test is skipped with a message, unless
 * {@code AGENT_HYPERVISOR_REQUIRE_BROWSER=1} (set by {@code .ci/run}) makes that a failure.
 */
class RefundDeskReportBrowserIT {
    static final String REQUIRE = "AGENT_HYPERVISOR_REQUIRE_BROWSER";
    private static Path dir;
    private static ChromeDriver browser;
    private static String pageUrl;

    /** Chromium and its driver: from CHROMIUM / CHROMEDRIVER, else Debian's paths; null if either is missing. */
    static String[] chromium() {
        String bin = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        String driver = System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver");
        if (!new File(bin).canExecute() || !new File(driver).canExecute()) {
            String why = "headless Chromium is needed: " + bin + " or " + driver + " is missing (Debian: apt-get install chromium"
                    + " chromium-driver; or set CHROMIUM and CHROMEDRIVER)";
            if ("1".equals(System.getenv(REQUIRE))) {
                fail(why + "; " + REQUIRE + "=1 makes a missing browser a failure");
            }
            Assumptions.abort("SKIPPED: " + why);
        }
        return new String[]{bin, driver};
    }

    /** A fresh headless Chromium that records its network and console logs. */
    static ChromeDriver start(Path profile) {
        String[] paths = chromium();
        // Given the driver's path, Selenium does not look for (or download) one.
        System.setProperty("webdriver.chrome.driver", paths[1]);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(paths[0]);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,2000", "--user-data-dir=" + profile.toAbsolutePath());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(paths[1]))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @BeforeAll
    static void openTheDemosReport() throws Exception {
        chromium();
        dir = RefundDeskReportIT.demoRun("demo-browser");
        Result r = RefundDeskReportIT.cli(dir, "audit", "report", "--html", "report.html");
        assertEquals(0, r.exitCode(), r::toString);
        browser = start(Files.createDirectories(dir.resolve("chromium-profile")));
        pageUrl = dir.resolve("report.html").toUri().toString();
        browser.get(pageUrl);
    }

    @AfterAll
    static void quit() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static List<String> attr(List<WebElement> elements, String name) {
        return elements.stream().map(e -> e.getDomAttribute(name)).toList();
    }

    @Test
    void whatAPersonSees() {
        assertEquals("Verified: audit verify passes on this log", browser.findElement(By.id("verdict")).getText());
        assertTrue(browser.findElement(By.id("verification")).isDisplayed());

        // The graph: three agents, the refused hand-off from the support bot to billing.
        assertEquals(List.of("support-bot", "billing", "ledger"), attr(browser.findElements(By.cssSelector("#graph-svg g.node")),
                "data-agent"));
        WebElement refused = browser.findElement(By.cssSelector("#graph-svg g.edge.refused"));
        assertTrue(refused.isDisplayed());
        assertEquals("support-bot", refused.getDomAttribute("data-from"));
        assertEquals("billing", refused.getDomAttribute("data-to"));
        assertEquals("refused 1", refused.findElement(By.tagName("text")).getText());
        refused.findElement(By.tagName("text")).click();
        String vouches = browser.findElement(By.id("vouches")).getText();
        assertTrue(vouches.startsWith("support-bot → billing: 4 hand-off(s), 1 refused\n"), vouches);
        assertEquals(5, vouches.lines().filter(l -> l.startsWith("#")).count(), vouches);
        assertTrue(vouches.lines().anyMatch(l -> l.contains(" refused org.agenthypervisor.samples.refund.billing.BillingAgent#process")),
                vouches);

        // Trust: billing's slash points at the times of its trust.slashed records, in order along the axis.
        List<Map<String, Object>> slashes = AuditRecords.ofType(dir.resolve(".agent-hypervisor"), "trust.slashed").stream()
                .filter(s -> "billing".equals(s.get("agent"))).toList();
        List<WebElement> points = browser.findElements(By.cssSelector("#trust-svg circle.point.slash[data-agent='billing']"));
        assertEquals(slashes.stream().map(s -> String.valueOf(s.get("time"))).toList(), attr(points, "data-time"));
        assertEquals(List.of("0.65", "0.6175"), attr(points, "data-value")); // the anomaly, then one graded ring violation (5 %)
        assertTrue(points.get(0).isDisplayed());
        assertTrue(Double.parseDouble(points.get(0).getDomAttribute("cx")) <= Double.parseDouble(points.get(1).getDomAttribute("cx")));
        assertTrue(points.get(0).findElement(By.tagName("title")).getAttribute("textContent")
                .contains("anomaly reported by 'ledger': refund R-1003 claims 420.00 EUR"));

        // The rolled-back saga: two steps, then two compensations in reverse order, drawn to the right of them.
        WebElement s2 = browser.findElement(By.cssSelector("div.saga[data-saga='s2']"));
        assertTrue(s2.getText().contains("compensated"), s2.getText());
        List<WebElement> steps = s2.findElements(By.cssSelector("g.saga-event.step"));
        List<WebElement> comps = s2.findElements(By.cssSelector("g.saga-event.comp"));
        assertEquals(List.of("s2.1", "s2.2"), attr(steps, "data-step"));
        assertEquals(List.of("s2.2", "s2.1"), attr(comps, "data-step"));
        assertTrue(comps.get(0).getRect().getX() > steps.get(1).getRect().getX());
        assertEquals(2, s2.findElements(By.cssSelector("path.undo")).size());

        // The denials table, filtered to billing.
        // Act 4's bot: 12 graded ring denials, then 9 calls refused while the breaker holds it in quarantine.
        assertEquals("26 row(s) match", browser.findElement(By.id("denial-count")).getText());
        new Select(browser.findElement(By.id("denial-agent"))).selectByValue("billing");
        List<WebElement> rows = browser.findElements(By.cssSelector("#denials-table tbody tr"));
        List<String> visible = rows.stream().filter(WebElement::isDisplayed).map(r -> r.getDomAttribute("data-agent")).toList();
        assertEquals(List.of("billing", "billing"), visible);
        assertEquals("2 row(s) match", browser.findElement(By.id("denial-count")).getText());
        browser.findElement(By.id("denial-filter")).sendKeys("refused");
        assertEquals("1 row(s) match", browser.findElement(By.id("denial-count")).getText());

        // A record and its proof command.
        browser.findElement(By.cssSelector("#denials-table tbody tr:not([hidden]) a.seqlink")).click();
        assertTrue(browser.findElement(By.id("record-panel")).isDisplayed());
        assertTrue(browser.findElement(By.id("record-json")).getText().contains("\"type\": \"handoff.refused\""));
        Object refusal = AuditRecords.ofType(dir.resolve(".agent-hypervisor"), "handoff.refused").get(0).get("seq");
        assertTrue(browser.findElement(By.id("proof-cmd")).getText().matches("(?s)java -jar agent-hypervisor.jar audit proof"
                + " --data-dir \\.agent-hypervisor --index " + refusal + " -o record-" + refusal + "\\.proof\njava -jar .*"),
                browser.findElement(By.id("proof-cmd")).getText());

        // Nothing but the page itself was requested by the page (the browser's own pages, such as its new-tab
        // page, are not the report's), and no script error or refused load was logged.
        List<String> requested = new ArrayList<>();
        Pattern document = Pattern.compile("\"documentURL\":\"([^\"]*)\"");
        Pattern url = Pattern.compile("\"request\":\\{.*?\"url\":\"([^\"]*)\"");
        for (LogEntry e : browser.manage().logs().get(LogType.PERFORMANCE)) {
            String message = e.getMessage();
            Matcher doc = document.matcher(message);
            Matcher m = url.matcher(message);
            if (message.contains("\"Network.requestWillBeSent\"") && doc.find() && doc.group(1).equals(pageUrl) && m.find()) {
                requested.add(m.group(1));
            }
        }
        assertFalse(requested.isEmpty(), "the performance log records requests (the page's own load at least)");
        assertEquals(List.of(pageUrl), requested.stream().distinct().toList(), requested::toString);
        List<String> console = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::getMessage).toList();
        assertEquals(List.of(), console);
    }
}
