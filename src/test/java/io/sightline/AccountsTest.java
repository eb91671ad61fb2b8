package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Named operator accounts with roles, as an operator team uses them: the first admin comes in with the one-time link
 * and creates a viewer and an operator; the viewer watches but is refused commands and acknowledgements (403), the
 * operator acknowledges (the alert names them) and commands; the audit log names the account of each action;
 * passwords are stored only as Argon2id hashes; repeated wrong passwords are answered 429 for that address while
 * other accounts still log in; after a restart the sessions still hold, and an account deleted, demoted or given a
 * new password loses what it had at once.
 */
class AccountsTest {

    private static final String DEVICE = "yard-cam";
    private static final Detection PERSON = new Detection("person", 0.9, new int[] {40, 30, 100, 150});
    private static final String VIEWER_PASSWORD = "correct horse battery";
    private static final String OPERATOR_PASSWORD = "staple operator 2026";

    @TempDir
    Path dir;

    @Test
    void rolesLimitWhatAnAccountMayDoSessionsSurviveARestartAndTheAuditNamesTheAccount() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.alerts.labels", "person");
        String base = Harness.base(receiver);
        String admin;
        String viewer;
        String operator;
        String alert;
        try (Sightline rx = Sightline.start(receiver)) {
            HttpResponse<String> link = send(HttpRequest.newBuilder(URI.create(base + "/login?code=" + rx.loginCode())).GET(), null);
            assertThat(link.statusCode()).isEqualTo(303);
            admin = cookie(link);
            assertThat(json(get(base + "/api/v1/me", admin)).path("role").asText()).isEqualTo("admin");

            assertThat(createAccount(base, admin, "vera", "viewer", VIEWER_PASSWORD).statusCode()).isEqualTo(201);
            assertThat(createAccount(base, admin, "otto", "operator", OPERATOR_PASSWORD).statusCode()).isEqualTo(201);
            assertThat(createAccount(base, admin, "otto", "viewer", OPERATOR_PASSWORD).statusCode()).isEqualTo(409);
            HttpResponse<String> shortPassword = createAccount(base, admin, "sam", "viewer", "short");
            assertThat(shortPassword.statusCode()).isEqualTo(400);
            assertThat(json(shortPassword).path("error").asText()).isEqualTo("invalid-password");
            String stored = Files.readString(dir.resolve("accounts.json"));
            assertThat(stored).contains("$argon2id$v=19$").doesNotContain(VIEWER_PASSWORD).doesNotContain(OPERATOR_PASSWORD);

            viewer = login(base, "vera", VIEWER_PASSWORD);
            operator = login(base, "otto", OPERATOR_PASSWORD);
            assertThat(json(get(base + "/api/v1/me", viewer)).path("role").asText()).isEqualTo("viewer");
            frame(receiver);
            JsonNode alerts = json(get(base + "/api/v1/alerts", viewer));
            assertThat(alerts).hasSize(1);
            alert = alerts.get(0).path("id").asText();

            // a viewer watches, but neither commands nor acknowledges, nor sees the accounts or the audit
            assertThat(get(base + "/api/v1/devices", viewer).statusCode()).isEqualTo(200);
            HttpResponse<String> refused = post(base + "/api/v1/alerts/" + alert + "/ack", viewer, "");
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(json(refused).path("error").asText()).isEqualTo("forbidden-role");
            assertThat(post(base + "/api/v1/devices/" + DEVICE + "/commands", viewer, "{\"command\":\"WAIT\"}").statusCode()).isEqualTo(403);
            assertThat(get(base + "/api/v1/accounts", viewer).statusCode()).isEqualTo(403);
            assertThat(get(base + "/api/v1/audit", operator).statusCode()).isEqualTo(403);

            // the viewer's console, in Chromium: logged in through the form, no command, acknowledge or accounts
            ChromeDriver browser = Browser.open();
            try {
                browser.get(base + "/login");
                browser.findElement(By.name("user")).sendKeys("vera");
                browser.findElement(By.name("password")).sendKeys(VIEWER_PASSWORD);
                browser.findElement(By.cssSelector("form button")).click();
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                wait.until(d -> d.findElement(By.id("me")).getText().equals("vera (viewer)"));
                wait.until(d -> !d.findElements(By.cssSelector("figure .cmd.wait")).isEmpty()
                        && !d.findElements(By.cssSelector("#alerts li")).isEmpty());
                assertThat(browser.findElement(By.cssSelector("figure .cmd.wait")).isDisplayed()).isFalse();
                assertThat(browser.findElements(By.cssSelector("#alerts .ack"))).allMatch(b -> !b.isDisplayed());
                assertThat(browser.findElement(By.cssSelector("nav [data-tab=accounts]")).isDisplayed()).isFalse();
                Browser.screenshot(browser, "console-viewer.png");
            } finally {
                browser.quit();
            }

            // an operator acknowledges (the alert names them) and commands (the device has sent no datagram: 404)
            HttpResponse<String> ack = post(base + "/api/v1/alerts/" + alert + "/ack", operator, "");
            assertThat(ack.statusCode()).isEqualTo(200);
            assertThat(json(ack).path("acknowledgedBy").asText()).isEqualTo("otto");
            assertThat(post(base + "/api/v1/devices/" + DEVICE + "/commands", operator, "{\"command\":\"WAIT\"}").statusCode())
                    .isEqualTo(404);

            // guessing: five wrong passwords for vera from this address, then even the right one waits (429)
            for (int i = 0; i < 5; i++) {
                assertThat(loginAttempt(base, "vera", "wrong password " + i).statusCode()).isEqualTo(401);
            }
            HttpResponse<String> limited = loginAttempt(base, "vera", VIEWER_PASSWORD);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            assertThat(loginAttempt(base, "otto", OPERATOR_PASSWORD).statusCode()).isEqualTo(303);

            List<JsonNode> audit = list(json(get(base + "/api/v1/audit?limit=100", admin)));
            assertThat(audit).anySatisfy(e -> assertEntry(e, "otto", "alert-ack", alert));
            assertThat(audit).anySatisfy(e -> {
                assertEntry(e, "otto", "command", DEVICE);
                assertThat(e.path("detail").asText()).isEqualTo("WAIT");
            });
            assertThat(audit).anySatisfy(e -> assertEntry(e, "@login-link", "account-create", "vera"));
            assertThat(audit).anySatisfy(e -> assertEntry(e, "vera", "login", "vera"));
            assertThat(audit).anySatisfy(e -> assertEntry(e, "vera", "login-failed", "vera"));
            assertThat(audit).noneMatch(e -> e.toString().contains(VIEWER_PASSWORD));
            assertThat(Files.readString(dir.resolve("audit.jsonl"))).contains("\"account\":\"otto\",\"action\":\"alert-ack\"");
        }

        // a restart: the sessions hold (signed with a key from the master key, nothing kept in memory)
        try (Sightline rx = Sightline.start(receiver)) {
            assertThat(json(get(base + "/api/v1/me", operator)).path("name").asText()).isEqualTo("otto");
            assertThat(get(base + "/api/v1/devices", viewer).statusCode()).isEqualTo(200);
            assertThat(json(get(base + "/api/v1/alerts", viewer)).get(0).path("acknowledgedBy").asText()).isEqualTo("otto");

            // deleted: the account's session ends; demoted: the new role counts at once
            assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/accounts/vera")).DELETE(), admin).statusCode()).isEqualTo(200);
            assertThat(get(base + "/api/v1/devices", viewer).statusCode()).isEqualTo(401);
            assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/accounts/otto"))
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"viewer\"}")),
                    admin).statusCode()).isEqualTo(200);
            assertThat(post(base + "/api/v1/alerts/" + alert + "/ack", operator, "").statusCode()).isEqualTo(403);
            // a new password ends the sessions made with the old one
            assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/v1/accounts/otto"))
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
                            "{\"password\":\"another long password\"}")), admin).statusCode()).isEqualTo(200);
            assertThat(get(base + "/api/v1/me", operator).statusCode()).isEqualTo(401);
            assertThat(json(get(base + "/api/v1/me", login(base, "otto", "another long password"))).path("role").asText())
                    .isEqualTo("viewer");
            assertThat(list(json(get(base + "/api/v1/accounts", admin))).stream().map(a -> a.path("name").asText()))
                    .containsExactly("otto");
        }
    }

    private static void assertEntry(JsonNode e, String account, String action, String target) {
        assertThat(e.path("account").asText()).isEqualTo(account);
        assertThat(e.path("action").asText()).isEqualTo(action);
        assertThat(e.path("target").asText()).isEqualTo(target);
    }

    private static HttpResponse<String> createAccount(String base, String admin, String name, String role, String password)
            throws Exception {
        return post(base + "/api/v1/accounts", admin, Json.text(Map.of("name", name, "role", role, "password", password)));
    }

    private static String login(String base, String user, String password) throws Exception {
        HttpResponse<String> response = loginAttempt(base, user, password);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(303);
        return cookie(response);
    }

    private static HttpResponse<String> loginAttempt(String base, String user, String password) throws Exception {
        String form = "user=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(URI.create(base + "/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)), null);
    }

    private static String cookie(HttpResponse<String> login) {
        return login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    }

    private static HttpResponse<String> get(String url, String cookie) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), cookie);
    }

    private static HttpResponse<String> post(String url, String cookie, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), cookie);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String cookie) throws Exception {
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return Harness.HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.MAPPER.readTree(response.body());
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> list = new java.util.ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    private static void frame(Map<String, String> receiver) throws Exception {
        Map<String, String> headers = Harness.frameHeaders(DEVICE, "s1", 10, System.currentTimeMillis(), "seg-10", false);
        headers.put("Sightline-Detections", Json.text(List.of(PERSON)));
        HttpResponse<String> response = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers,
                Harness.syntheticJpeg(320, 240, 80));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }
}
