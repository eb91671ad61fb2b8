package io.sightline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator console in a real headless Chromium against the demo (sender and receiver in one process): live
 * frames with their detections, an alert pushed and acknowledged, WAIT and RESUME from the buttons, a segment
 * played back. Screenshots go to {@code target/console-*.png}.
 */
class ConsoleTest {

    private static final String TILE = "figure[data-device='watched-cam']";
    /**
     * Reads, in one go, the frame number the console says it drew and the frame number stamped in the pixels of
     * the canvas (the synthetic scene's marker strip: a white and a black reference cell, then 24 bits).
     */
    private static final String DRAWN = """
            const c = document.querySelector("figure[data-device='watched-cam'] canvas");
            if (!c) return [-1, -1];
            const g = c.getContext('2d'), cell = Math.max(4, Math.floor(c.width / 26)), y = c.height - cell / 2;
            const level = i => { const p = g.getImageData(i * cell + cell / 2, y, 1, 1).data; return (p[0] + p[1] + p[2]) / 3; };
            const white = level(0), black = level(1);
            let n = 0;
            for (let i = 0; i < 24; i++) n = n * 2 + (level(i + 2) > (white + black) / 2 ? 1 : 0);
            return [Number(c.dataset.frame || -1), white - black > 64 ? n : -1];
            """;

    @TempDir
    Path dir;

    @Test
    void liveFramesAlertsWaitResumeAndPlayback() throws Exception {
        Map<String, String> settings = MonitoringTest.demo(dir);
        settings.put("sightline.hawtio.enabled", "false");
        settings.put("sightline.segment.seconds", "2");
        Harness.alertOnEveryMotion(settings);
        ChromeDriver browser = Browser.open();
        try (Sightline demo = Sightline.start(settings)) {
            browser.get(Harness.base(settings) + "/login?code=" + demo.loginCode()); // the printed link: a session, then /
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));

            // live frames advance, and the frame the console labels is the frame whose pixels it shows
            long first = wait.until(d -> drawn(browser).get(0) > 0 ? drawn(browser).get(0) : null);
            wait.until(d -> drawn(browser).get(0) > first + 20);
            for (int i = 0; i < 20; i++) {
                List<Long> drawn = drawn(browser);
                assertThat(drawn.get(1)).as("marker in the pixels of frame %d", drawn.get(0)).isEqualTo(drawn.get(0));
            }
            wait.until(d -> d.findElement(By.cssSelector(TILE + " figcaption")).getText().contains("STREAMING"));
            long counted = drawn(browser).get(0);
            wait.until(d -> drawn(browser).get(0) >= counted + 200); // 10 s of frames, for the latency figures
            printLatency(browser);
            Browser.screenshot(browser, "console-live.png");

            // an alert is pushed to the feed and acknowledged from it
            WebElement alert = wait.until(d -> d.findElements(By.cssSelector("#alerts li")).stream().findFirst().orElse(null));
            assertThat(alert.getText()).contains("watched-cam").contains("motion");
            alert.findElement(By.cssSelector("button.ack")).click();
            wait.until(d -> d.findElement(By.cssSelector("#alerts li")).getAttribute("class").contains("acknowledged"));
            Browser.screenshot(browser, "console-alert.png");

            // WAIT: the state changes and frames stop; RESUME: they come again
            browser.findElement(By.cssSelector(TILE + " button.wait")).click();
            wait.until(d -> d.findElement(By.cssSelector(TILE + " .command-result")).getText().contains("WAIT acknowledged"));
            wait.until(d -> "WAITING".equals(d.findElement(By.cssSelector(TILE)).getAttribute("data-state")));
            double held = MonitoringTest.value(MonitoringTest.scrape(settings), "sightline_frames_held_total");
            wait.until(d -> heldFrames(settings) >= held + 10);
            long stopped = drawn(browser).get(0);
            wait.until(d -> heldFrames(settings) >= held + 40);
            assertThat(drawn(browser).get(0)).as("no frame drawn while waiting").isEqualTo(stopped);
            Browser.screenshot(browser, "console-waiting.png");
            browser.findElement(By.cssSelector(TILE + " button.resume")).click();
            wait.until(d -> "STREAMING".equals(d.findElement(By.cssSelector(TILE)).getAttribute("data-state")));
            wait.until(d -> drawn(browser).get(0) > stopped + 20);

            // a recorded segment plays in the browser (converted to WebM on request): its time advances
            browser.findElement(By.cssSelector("nav button[data-tab='recordings']")).click();
            WebElement segment = wait.until(d -> d.findElements(By.cssSelector("#segments li")).stream().findFirst().orElse(null));
            segment.click();
            WebElement video = browser.findElement(By.id("video"));
            wait.until(d -> ((Number) browser.executeScript("return arguments[0].currentTime", video)).doubleValue() > 0.5);
            assertThat(((Number) browser.executeScript("return arguments[0].videoWidth", video)).intValue()).isEqualTo(320);
            assertThat(browser.findElement(By.id("download")).getAttribute("href")).endsWith(".mkv");
            Browser.screenshot(browser, "console-playback.png");
        } finally {
            browser.quit();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Long> drawn(ChromeDriver browser) {
        List<Long> out = new ArrayList<>();
        ((List<Number>) browser.executeScript(DRAWN)).forEach(n -> out.add(n.longValue()));
        return out;
    }

    private static double heldFrames(Map<String, String> settings) {
        try {
            return MonitoringTest.value(MonitoringTest.scrape(settings), "sightline_frames_held_total");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Display time minus capture time of the last frames drawn (at most 200) (one clock: sender, receiver and browser share it). */
    @SuppressWarnings("unchecked")
    private static void printLatency(ChromeDriver browser) {
        List<Long> ages = new ArrayList<>();
        ((List<Number>) browser.executeScript("return window.sightline.ages['watched-cam']")).forEach(n -> ages.add(n.longValue()));
        ages.sort(Long::compare);
        System.out.printf("LIVE VIEW latency (capture -> drawn in Chromium), %d frames: p50 %d ms, p99 %d ms, max %d ms%n",
                ages.size(), ages.get(ages.size() / 2), ages.get((int) Math.ceil(ages.size() * 0.99) - 1), ages.get(ages.size() - 1));
    }
}
