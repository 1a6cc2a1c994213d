package dev.history.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.history.common.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The widgets the system serves, in real headless Chromium (Debian's chromium + chromedriver): loaded
 * cross-origin into a host page the way the agent desktop loads them, and the /ui/ page. Screenshots
 * go to {@code target/screenshots/} (copied to docs/img/ for the README).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WidgetBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PHONE = "+44 20 7946 0001";

    private final List<JsonNode> deliveries = new CopyOnWriteArrayList<>();
    /** Network errors a test provokes on purpose (Chromium logs every 4xx response as a console error). */
    private final List<String> expectedNetworkErrors = new CopyOnWriteArrayList<>();
    private HttpServer host;
    private Standalone system;
    private TestHttp http;
    private ChromeDriver browser;
    private Path profileDir;

    @BeforeAll
    void start() throws IOException {
        host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host.createContext("/hook", exchange -> {
            deliveries.add(Json.MAPPER.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        host.createContext("/refuse", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(422, -1);
            exchange.close();
        });
        host.createContext("/desktop", exchange -> {
            byte[] page = desktopPage(exchange.getRequestURI().getQuery()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        host.start();
        int sink = host.getAddress().getPort();
        Map<String, String> env = TestSystems.withFulfillment(new HashMap<>(TestSystems.env("widgets")), "widgets",
                ("[{\"name\":\"Send payment link\",\"url\":\"http://127.0.0.1:%d/hook\",\"active\":true},"
                        + "{\"name\":\"Book a callback\",\"url\":\"http://127.0.0.1:%d/refuse\",\"active\":true}]").formatted(sink, sink));
        env.put("FULFILLMENT_RETRY_SCHEDULE", "200ms");
        system = TestSystems.start(env);
        http = new TestHttp(system.port());
        seed();

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        profileDir = Files.createTempDirectory("chromium-profile");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                "--no-first-run", "--disable-component-update", "--disable-sync", "--window-size=1100,900",
                "--user-data-dir=" + profileDir);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    void stop() {
        if (browser != null) browser.quit();
        if (system != null) system.close();
        if (host != null) host.stop(0);
    }

    @BeforeEach
    void blank() {
        browser.get("about:blank");
        browser.manage().logs().get(LogType.BROWSER); // start each test with an empty console
    }

    @AfterEach
    void consoleHasNoErrors() {
        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .filter(entry -> expectedNetworkErrors.stream().noneMatch(expected -> entry.getMessage().contains(expected)
                        && entry.getMessage().contains("Failed to load resource")))
                .toList();
        expectedNetworkErrors.clear();
        browser.get("about:blank");
        assertThat(errors).as("browser console errors").isEmpty();
    }

    @Test
    void theHistoryWidgetFindsACallerByPhoneShowsParentsAndChildrenAndALiveEvent() throws IOException {
        browser.get(desktop("customer-history", "ani", PHONE, false));
        SearchContext widget = shadow("customer-history");
        awaitTrue("the live timeline", () -> text(widget, ".status").equals("Live") && widget.findElements(By.cssSelector("li.item")).size() == 2);
        assertThat(text(widget, "h2")).isEqualTo("History of Ann Example");
        List<WebElement> items = widget.findElements(By.cssSelector("li.item"));
        assertThat(items.get(0).getAttribute("data-id")).as("the current interaction comes first").isEqualTo("chat-2");
        assertThat(items.get(0).getText()).contains("Current interaction", "Web chat", "asked about the invoice");
        WebElement link = items.get(0).findElement(By.cssSelector(".note + .link a, .link a"));
        assertThat(link.getAttribute("rel")).isEqualTo("noopener noreferrer");
        assertThat(link.getAttribute("target")).isEqualTo("_blank");

        WebElement toggle = items.get(1).findElement(By.cssSelector("button.toggle"));
        assertThat(toggle.getAttribute("aria-expanded")).isEqualTo("false");
        toggle.sendKeys(org.openqa.selenium.Keys.ENTER); // keyboard, not a mouse
        awaitTrue("the children of the call", () -> shadow("customer-history").findElements(By.cssSelector("li.item[data-id='call-1'] li.child")).size() == 2);

        post("{\"username\":\"ann\",\"source\":\"bot\",\"parent\":\"chat-2\",\"level\":1,\"id\":\"bot-9\",\"note\":\"sent the invoice again\"}");
        awaitTrue("the flow's event without a click", () -> shadow("customer-history")
                .findElements(By.cssSelector("li.child[data-id='bot-9']")).size() == 1);
        screenshot("customer-history", browser.findElement(By.cssSelector("customer-history")));
    }

    @Test
    void anUnknownCallerIsShownAndAPhoneWithoutPlusFindsTheSameCustomer() {
        expectedNetworkErrors.add("/getuserdata?ani=0000000");
        browser.get(desktop("customer-history", "ani", "0000000", false));
        awaitTrue("the unknown-customer message", () -> text(shadow("customer-history"), ".message").contains("No customer found for phone 0000000"));
        browser.get(desktop("customer-history", "ani", "442079460001", false));
        awaitTrue("the timeline", () -> shadow("customer-history").findElements(By.cssSelector("li.item")).size() >= 2);
    }

    @Test
    void theTasksWidgetRendersTheCatalogAndADoubleClickDeliversOnceWithLiveStates() {
        browser.get(desktop("fulfillment-tasks", "ani", PHONE, true) + "&interactionId=chat-2");
        awaitTrue("the task buttons", () -> shadow("fulfillment-tasks").findElements(By.cssSelector(".buttons button:not([disabled])")).size() == 2);
        WebElement pay = shadow("fulfillment-tasks").findElement(By.cssSelector("button[data-task='Send payment link']"));
        new Actions(browser).doubleClick(pay).perform();
        awaitTrue("succeeded", () -> "succeeded".equals(requestState("Send payment link")));
        assertThat(deliveries).as("one webhook call for a double click").hasSize(1);
        JsonNode body = deliveries.get(0);
        assertThat(body.get("username").asText()).isEqualTo("ann");
        assertThat(body.get("eventParent").asText()).isEqualTo("chat-2");
        assertThat(body.get("msisdn").asText()).isEqualTo("447700900123");

        shadow("fulfillment-tasks").findElement(By.cssSelector("button[data-task='Book a callback']")).click();
        awaitTrue("the refused webhook shown as failed", () -> "failed".equals(requestState("Book a callback")));
        WebElement failed = shadow("fulfillment-tasks").findElement(By.cssSelector("li.request[data-task='Book a callback']"));
        assertThat(failed.getAttribute("role")).isEqualTo("alert");
        assertThat(shadow("fulfillment-tasks").findElement(By.cssSelector("li.request[data-task='Send payment link'] .state")).getText())
                .isEqualTo("Succeeded");
        assertThat(browser.findElement(By.cssSelector("fulfillment-tasks")).getAttribute("data-theme")).isEqualTo("dark");
        screenshot("fulfillment-tasks-dark", browser.findElement(By.cssSelector("fulfillment-tasks")));
    }

    @Test
    void theUiPageSearchesByEmailAndDeepLinksInDarkMode() {
        browser.get("http://localhost:" + system.port() + "/ui/");
        new Select(browser.findElement(By.id("kind"))).selectByValue("email");
        browser.findElement(By.id("value")).sendKeys("Ann+VIP@example.com");
        browser.findElement(By.id("dark")).click();
        browser.findElement(By.cssSelector("#search button[type=submit]")).click();
        awaitTrue("the timeline on /ui/", () -> shadow("customer-history").findElements(By.cssSelector("li.item")).size() == 2);
        assertThat(browser.getCurrentUrl()).contains("email=Ann%2BVIP%40example.com");
        assertThat(browser.findElement(By.cssSelector("customer-history")).getAttribute("data-theme")).isEqualTo("dark");
        awaitTrue("the task buttons on /ui/", () -> shadow("fulfillment-tasks").findElements(By.cssSelector(".buttons button")).size() == 2);
        screenshot("ui-dark", browser.findElement(By.tagName("body")));

        browser.get("http://localhost:" + system.port() + "/ui/?username=ann");
        awaitTrue("a deep link", () -> shadow("customer-history").findElements(By.cssSelector("li.item")).size() == 2);
        assertThat(browser.findElement(By.cssSelector("customer-history")).getAttribute("data-theme")).isIn("light", "dark");
    }

    private void seed() {
        assertThat(http.postJson("/userdata", "{\"username\":\"ann\",\"name\":\"Ann Example\",\"ani\":\"" + PHONE
                + "\",\"email\":\"ann+vip@example.com\",\"msisdn\":\"447700900123\",\"preferredChannel\":\"sms\"}").status()).isEqualTo(200);
        post("{\"username\":\"ann\",\"source\":\"ivr\",\"id\":\"call-1\",\"note\":\"called about her card\",\"timestamp\":\"2026-03-01T09:00:00Z\"}");
        post("{\"username\":\"ann\",\"source\":\"df\",\"parent\":\"call-1\",\"level\":1,\"id\":\"df-1\",\"note\":\"intent: card blocked\",\"timestamp\":\"2026-03-01T09:00:20Z\"}");
        post("{\"username\":\"ann\",\"source\":\"agent\",\"parent\":\"call-1\",\"level\":1,\"id\":\"agent-1\",\"note\":\"unblocked the card\",\"timestamp\":\"2026-03-01T09:04:00Z\"}");
        post("{\"username\":\"ann\",\"source\":\"webchat\",\"id\":\"chat-2\",\"note\":\"asked about the invoice\",\"link\":\"https://crm.example.com/case/42\"}");
        TestSystems.await("the directory entry", WAIT, () -> http.get("/getuserdata?email=ann%2Bvip%40example.com").status() == 200);
        TestSystems.await("the seeded timeline", WAIT, () -> http.get("/history?username=ann").eventIds().size() == 4);
    }

    private void post(String json) {
        assertThat(http.postJson("/history", json).status()).isEqualTo(200);
    }

    /** A page on another origin that loads a widget by its script URL, as the desktop layout does. */
    private String desktop(String comp, String property, String value, boolean dark) {
        return "http://127.0.0.1:" + host.getAddress().getPort() + "/desktop?comp=" + comp + "&" + property + "="
                + java.net.URLEncoder.encode(value, StandardCharsets.UTF_8) + "&dark=" + dark;
    }

    private String desktopPage(String query) {
        Map<String, String> params = new HashMap<>();
        for (String pair : query.split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(kv[0], java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        String comp = params.remove("comp").replaceAll("[^a-z-]", "");
        boolean dark = "true".equals(params.remove("dark"));
        StringBuilder props = new StringBuilder();
        params.forEach((k, v) -> props.append("el[").append(Json.writeString(k)).append("] = ").append(Json.writeString(v)).append(";\n"));
        return """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>desktop</title><link rel="icon" href="data:,">
                <script src="http://localhost:%d/widgets/%s.js"></script></head>
                <body style="margin:0;background:%s"><div style="width:640px">
                <%s></%s></div>
                <script>
                  const el = document.querySelector('%s');
                  // the desktop sets properties from its $STORE, possibly before the element is defined
                  %s
                  el.isDarkMode = %s;
                </script></body></html>
                """.formatted(system.port(), comp, dark ? "#16191d" : "#fff", comp, comp, comp, props, dark);
    }

    private SearchContext shadow(String tag) {
        return browser.findElement(By.cssSelector(tag)).getShadowRoot();
    }

    private String requestState(String task) {
        List<WebElement> rows = shadow("fulfillment-tasks").findElements(By.cssSelector("li.request[data-task='" + task + "']"));
        return rows.isEmpty() ? null : rows.get(0).getAttribute("data-state");
    }

    private static String text(SearchContext context, String css) {
        List<WebElement> found = context.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, WAIT).withMessage(what).ignoring(org.openqa.selenium.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(driver -> condition.getAsBoolean());
    }

    private static void screenshot(String name, WebElement element) {
        try {
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".png"), element.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
