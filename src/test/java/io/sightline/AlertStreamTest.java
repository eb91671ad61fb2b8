package io.sightline;

import io.sightline.live.LiveEvents;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No alert is missed across a dropped event stream: in a real Chromium, the console's stream is cut by the
 * receiver, an alert is raised before the browser reconnects, and it appears in the open page once it has
 * (the browser sends the last event's id, the receiver sends what changed since) - without a reload.
 */
class AlertStreamTest {

    private static final String DEVICE = "stream-cam";
    private static final Detection PERSON = new Detection("person", 0.9, new int[] {50, 40, 100, 150});

    @TempDir
    Path dir;

    private static final long T0 = System.currentTimeMillis();

    private final byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);

    @Test
    void anAlertRaisedWhileTheConsoleIsDisconnectedAppearsWhenItReconnects() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.alerts.labels", "person");
        receiver.put("sightline.alerts.cooldown-s", "1");
        ChromeDriver browser = Browser.open();
        try (Sightline rx = Sightline.start(receiver)) {
            browser.get(Harness.base(receiver) + "/login?code=" + rx.loginCode());
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            frame(receiver, 10);
            wait.until(d -> d.findElements(By.cssSelector("#alerts li")).size() == 1);
            browser.executeScript("window.sameLoad = true;"); // gone if the page were loaded again

            // the receiver drops the stream; the browser reconnects after the retry time it was told (2 s)
            rx.context().getRegistry().lookupByNameAndType("liveEvents", LiveEvents.class).closeStreams();
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_live_event_viewers") == 0);
            frame(receiver, 400); // raised while no console listens
            assertThat(MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_live_event_viewers")).isZero();

            wait.until(d -> d.findElements(By.cssSelector("#alerts li")).size() == 2);
            assertThat(browser.findElements(By.cssSelector("#alerts li")).get(0).getText()).contains("frame 400");
            assertThat(browser.executeScript("return window.sameLoad === true")).isEqualTo(true);
            Browser.screenshot(browser, "console-alert-after-reconnect.png");
        } finally {
            browser.quit();
        }
    }

    private void frame(Map<String, String> receiver, long frame) throws Exception {
        Map<String, String> headers = Harness.frameHeaders(DEVICE, "s1", frame, T0 + frame * 50,
                "seg-" + frame, false);
        headers.put("Sightline-Detections", Json.text(List.of(PERSON)));
        var response = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers, jpeg);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }
}
