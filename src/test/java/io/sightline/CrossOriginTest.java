package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cross-site request forgery in a real Chromium: the operator is logged in to the console (session cookie) and
 * to Hawtio (its credentials on every request the browser makes), Hawtio even allows operations, and a page of
 * another origin on this machine (another port of 127.0.0.1: the same site, so SameSite cookies go along) tries
 * images, fetches (GET and POST, no-cors and CORS) and form posts against Hawtio's Jolokia and the operator API.
 * Afterwards every route still runs, no command was sent, the alert is not acknowledged, and no answer was
 * readable; from their own origins the same credentials still work, so only the origin checks stood in the way.
 */
class CrossOriginTest {

    private static final String CONTEXT = "sightline-all-watched-cam";

    @TempDir
    Path dir;

    @Test
    void aPageOfAnotherOriginCannotStopRoutesSendCommandsOrAcknowledgeAlerts() throws Exception {
        Map<String, String> settings = MonitoringTest.demo(dir);
        settings.put("sightline.hawtio.allow-operations", "true");
        Harness.alertOnEveryMotion(settings);
        String hawtio = MonitoringTest.hawtio(settings);
        String console = Harness.base(settings);
        HttpServer attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ChromeDriver browser = Browser.open();
        try (Sightline demo = Sightline.start(settings)) {
            String alert = await().atMost(Duration.ofSeconds(30)).until(() -> firstAlert(settings), a -> a != null);
            attacker.createContext("/", exchange -> {
                byte[] page = attackPage(hawtio, console, alert).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, page.length);
                exchange.getResponseBody().write(page);
                exchange.close();
            });
            attacker.start();

            Browser.sendOnEveryRequest(browser, MonitoringTest.hawtioCredentials());
            browser.get(console + "/login?code=" + demo.loginCode());
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            wait.until(d -> !d.findElements(By.cssSelector("figure[data-device='watched-cam']")).isEmpty());
            Map<String, Double> before = MonitoringTest.scrape(settings);
            Map<String, String> states = routeStates(demo);
            assertThat(states).containsEntry("frames-in", "Started").containsEntry("detections-in", "Started");

            browser.get("http://127.0.0.1:" + attacker.getAddress().getPort() + "/");
            List<String> attempts = wait.withTimeout(Duration.ofSeconds(60)).until(d -> outcomes(browser));
            System.out.println("CROSS-ORIGIN ATTEMPTS (page on another port of 127.0.0.1, operator logged in to both)\n"
                    + "| attempt | seen by the page |\n|---|---|\n" + String.join("\n", attempts));

            assertThat(routeStates(demo)).as("every route as it was").isEqualTo(states);
            Map<String, Double> after = MonitoringTest.scrape(settings);
            assertThat(MonitoringTest.value(after, "sightline_commands_total")).as("commands sent").isZero();
            assertThat(MonitoringTest.value(after, "sightline_frames_held_total")).as("frames held by a WAIT").isZero();
            assertThat(alertAcknowledged(settings, alert)).isFalse();
            assertThat(attempts).as("no answer readable by the other origin").noneMatch(a -> a.contains("read:"));
            // the requests did reach the servers with the operator's session and were refused for their origin
            assertThat(MonitoringTest.value(after, "sightline_requests_rejected_total{reason=\"cross-origin\"}"))
                    .isGreaterThan(MonitoringTest.value(before, "sightline_requests_rejected_total{reason=\"cross-origin\"}"));
            assertThat(MonitoringTest.value(after, "sightline_hawtio_refused_total"))
                    .isGreaterThan(MonitoringTest.value(before, "sightline_hawtio_refused_total"));

            // from their own origins the same credentials work: an operation on Hawtio, a command on the console
            browser.get(hawtio);
            assertThat(fetchStatus(browser, "jolokia/", exec("retention", "stop()"))).isEqualTo(200);
            assertThat(demo.context().getRouteController().getRouteStatus("retention").isStopped()).isTrue();
            assertThat(fetchStatus(browser, "jolokia/", exec("retention", "start()"))).isEqualTo(200);
            browser.get(console + "/");
            assertThat(browser.executeAsyncScript("""
                    const done = arguments[0];
                    fetch('/api/v1/devices/watched-cam/commands', {method: 'POST',
                        headers: {'Content-Type': 'application/json'}, body: '{"command":"RESUME"}'})
                      .then(r => done(r.status), e => done(String(e)));
                    """)).isEqualTo(200L);
        } finally {
            browser.quit();
            attacker.stop(0);
        }
    }

    private static Map<String, String> routeStates(Sightline demo) {
        Map<String, String> states = new java.util.TreeMap<>();
        for (Route route : demo.context().getRoutes()) {
            states.put(route.getRouteId(), demo.context().getRouteController().getRouteStatus(route.getRouteId()).name());
        }
        return states;
    }

    private static String exec(String route, String operation) {
        return "{\"type\":\"exec\",\"mbean\":\"org.apache.camel:context=" + CONTEXT + ",type=routes,name=\\\"" + route
                + "\\\"\",\"operation\":\"" + operation + "\"}";
    }

    /** POSTs from the open page to {@code path}; the Jolokia status inside the answer. */
    private static long fetchStatus(ChromeDriver browser, String path, String body) {
        return (Long) browser.executeAsyncScript("""
                const done = arguments[2];
                fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/json'}, body: arguments[1]})
                  .then(r => r.json()).then(j => done(j.status), e => done(-1));
                """, path, body);
    }

    @SuppressWarnings("unchecked")
    private static List<String> outcomes(ChromeDriver browser) {
        Object results = browser.executeScript("return window.done ? window.results : null");
        return results == null ? null : new ArrayList<>((List<String>) results);
    }

    private static String firstAlert(Map<String, String> settings) throws Exception {
        JsonNode alerts = Segments.JSON.readTree(Harness.get(Harness.base(settings) + "/api/v1/alerts").body());
        return alerts.isEmpty() ? null : alerts.get(0).path("id").asText();
    }

    private static boolean alertAcknowledged(Map<String, String> settings, String id) throws Exception {
        for (JsonNode a : Segments.JSON.readTree(Harness.get(Harness.base(settings) + "/api/v1/alerts").body())) {
            if (a.path("id").asText().equals(id)) {
                return !a.path("acknowledgedAt").isNull() && !a.path("acknowledgedAt").isMissingNode();
            }
        }
        throw new AssertionError("alert " + id + " is gone");
    }

    /**
     * Every way a page can send a request without the target's consent, each aimed at a different route so that
     * any success would show. Each attempt reports what the page saw; "read:" marks an answer it could read.
     */
    private static String attackPage(String hawtio, String console, String alert) {
        String mbean = "org.apache.camel:context=" + CONTEXT + ",type=routes,name=%22";
        return """
                <!doctype html><html><body><h1>Nothing to see</h1>
                <script>
                const J = '%1$sjolokia/', M = '%2$s', C = '%3$s', A = '%3$s/api/v1/alerts/%4$s/ack';
                const CMD = C + '/api/v1/devices/watched-cam/commands';
                const stop = r => JSON.stringify({type: 'exec', mbean: decodeURIComponent(M + r + '%%22'), operation: 'stop()'});
                const results = [], tries = [];
                const note = (name, outcome) => results.push('| ' + name + ' | ' + outcome + ' |');
                function img(name, url) {
                  tries.push(new Promise(ok => { const i = new Image();
                    i.onload = () => { note(name, 'image loaded'); ok(); };
                    i.onerror = () => { note(name, 'image error'); ok(); }; i.src = url; }));
                }
                function call(name, url, init) {
                  tries.push(fetch(url, Object.assign({credentials: 'include'}, init))
                    .then(r => r.type === 'opaque' ? note(name, 'opaque answer (unreadable)')
                        : r.text().then(t => note(name, 'read: ' + r.status + ' ' + t.substring(0, 80))))
                    .catch(e => note(name, 'blocked: ' + e.name)));
                }
                function form(name, url, enctype, field, value) {
                  tries.push(new Promise(ok => {
                    const frame = document.createElement('iframe'); frame.name = 'f' + tries.length;
                    document.body.appendChild(frame);
                    const f = document.createElement('form'); f.method = 'POST'; f.action = url; f.enctype = enctype;
                    f.target = frame.name;
                    const input = document.createElement('input'); input.name = field; input.value = value;
                    f.appendChild(input); document.body.appendChild(f);
                    frame.onload = () => { note(name, 'form posted (answer unreadable)'); ok(); };
                    f.submit(); }));
                }
                img('Jolokia: <img> GET exec stop frames-in', J + 'exec/' + M + 'frames-in%%22/stop()');
                call('Jolokia: fetch GET (no-cors) exec stop ingest', J + 'exec/' + M + 'ingest%%22/stop()', {mode: 'no-cors'});
                call('Jolokia: fetch GET (cors) read routes', J + 'read/' + M + 'segments%%22/State', {});
                call('Jolokia: fetch POST (no-cors, text/plain) exec stop segments', J, {mode: 'no-cors', method: 'POST',
                     headers: {'Content-Type': 'text/plain'}, body: stop('segments')});
                call('Jolokia: fetch POST (cors, text/plain) exec stop alerts', J, {method: 'POST',
                     headers: {'Content-Type': 'text/plain'}, body: stop('alerts')});
                call('Jolokia: fetch POST (cors, application/json) exec stop live-mjpeg', J, {method: 'POST',
                     headers: {'Content-Type': 'application/json'}, body: stop('live-mjpeg')});
                form('Jolokia: form POST (text/plain) exec stop detections-in', J, 'text/plain',
                     stop('detections-in').slice(0, -1) + ',"x":"', '"}');
                img('API: <img> GET of the command URL', CMD);
                call('API: fetch POST (no-cors, text/plain) WAIT', CMD, {mode: 'no-cors', method: 'POST',
                     headers: {'Content-Type': 'text/plain'}, body: '{"command":"WAIT"}'});
                call('API: fetch POST (cors, application/json) WAIT', CMD, {method: 'POST',
                     headers: {'Content-Type': 'application/json'}, body: '{"command":"WAIT"}'});
                form('API: form POST (text/plain) WAIT', CMD, 'text/plain', '{"command":"WAIT"}', '');
                form('API: form POST (urlencoded) WAIT', CMD, 'application/x-www-form-urlencoded', 'command', 'WAIT');
                call('API: fetch POST (no-cors) acknowledge the alert', A, {mode: 'no-cors', method: 'POST'});
                form('API: form POST acknowledge the alert', A, 'application/x-www-form-urlencoded', 'x', 'y');
                call('API: fetch GET (cors) the device list', C + '/api/v1/devices', {});
                call('API: fetch GET (no-cors) the latest frame', C + '/api/v1/devices/watched-cam/latest.jpg', {mode: 'no-cors'});
                Promise.all(tries).then(() => { window.results = results; window.done = true; });
                </script></body></html>
                """.formatted(hawtio, mbean, console, alert);
    }
}
