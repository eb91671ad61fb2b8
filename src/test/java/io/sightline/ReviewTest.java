package io.sightline;

import io.sightline.auth.OperatorAuth;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator's review in a real Chromium: ten minutes of a camera (a frame a second, in one-minute segments) with a
 * person at minute five. The day's timeline shows activity there and nowhere else, a hover shows the recorded picture
 * of that moment, a click plays from it; the alert is marked reviewed and leaves the "not reviewed" queue; and the
 * console fits a phone (Chromium's mobile emulation, a screenshot): nothing wider than the screen, the alerts below.
 */
class ReviewTest {

    private static final String DEVICE = "porch-cam";
    private static final int FRAMES = 600;
    private static final int PERSON_FROM = 300;
    private static final int PERSON_TO = 310;

    @TempDir
    Path dir;

    @Test
    void theTimelineShowsActivityWhereDetectionsAreAndTheReviewQueueAndPhoneLayoutWork() throws Exception {
        long now = System.currentTimeMillis();
        long start = now - (FRAMES + 60) * 1000L;
        long dayStart = LocalDate.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long t0 = start < dayStart ? dayStart + 1000 : start; // ten minutes inside one UTC day
        String day = LocalDate.ofInstant(Instant.ofEpochMilli(t0), ZoneOffset.UTC).toString();
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.alerts.labels", "person");
        try (Sightline rx = Sightline.start(receiver)) {
            for (int frame = 0; frame < FRAMES; frame++) {
                post(receiver, t0, frame);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.filesUnder(dir.resolve("segments")).stream()
                    .filter(p -> p.toString().endsWith(".json")).count() == FRAMES / 60);

            ChromeDriver browser = Browser.open();
            try {
                browser.get(Harness.base(receiver) + "/login?code=" + rx.loginCode());
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                wait.until(d -> d.findElements(By.cssSelector("#alerts li")).size() == 1);
                browser.findElement(By.cssSelector("nav button[data-tab='recordings']")).click();
                wait.until(d -> Boolean.TRUE.equals(browser.executeScript("return window.sightline.timeline.activity != null")));
                new Select(browser.findElement(By.id("rec-day"))).selectByVisibleText(day);
                wait.until(d -> day.equals(browser.executeScript("return window.sightline.timeline.activity.day")));

                // activity where the person is (minute five), none a minute in
                long person = t0 + PERSON_FROM * 1000L;
                assertThat(yellowAt(browser, person + 5000)).as("activity at the person's minute").isTrue(); // (the alert's red mark at person)
                assertThat(yellowAt(browser, t0 + 60_000)).as("no activity a minute in").isFalse();

                // hover: the recorded picture of that moment; click: play from there
                WebElement canvas = browser.findElement(By.id("day"));
                int x = ((Number) browser.executeScript("return Math.round(dayX(arguments[0]))", person + 5000)).intValue();
                int offset = x - canvas.getSize().getWidth() / 2;
                new Actions(browser).moveToElement(canvas, offset, 0).perform();
                wait.until(d -> ((Number) browser.executeScript(
                        "const i = document.getElementById('hover-img'); return i.complete ? i.naturalWidth : 0")).intValue() == 160);
                new Actions(browser).moveToElement(canvas, offset, 0).click().perform();
                WebElement video = browser.findElement(By.id("video"));
                wait.until(d -> ((Number) browser.executeScript("return arguments[0].currentTime", video)).doubleValue() > 0.5);
                long playing = Long.parseLong(wait.until(d -> d.findElement(By.id("boxes")).getAttribute("data-capture-time")));
                assertThat(playing).isBetween(person, person + 20_000L);
                Browser.screenshot(browser, "console-review-timeline.png");

                // the review queue: reviewed, it leaves the "not reviewed" list
                browser.findElement(By.id("alert-unreviewed")).click();
                WebElement alert = browser.findElement(By.cssSelector("#alerts li"));
                assertThat(alert.isDisplayed()).isTrue();
                alert.findElement(By.cssSelector("button.review")).click();
                wait.until(d -> !d.findElement(By.cssSelector("#alerts li")).isDisplayed());
                var reviewed = Json.MAPPER.readTree(Harness.HTTP.send(Harness.operator(Harness.base(receiver)
                        + "/api/v1/alerts?reviewed=true").build(), HttpResponse.BodyHandlers.ofString()).body());
                assertThat(reviewed).hasSize(1);
                assertThat(reviewed.get(0).path("reviewedBy").asText()).isEqualTo("@login-link");
            } finally {
                browser.quit();
            }

            ChromeDriver phone = Browser.openPhone();
            try {
                String code = rx.context().getRegistry().lookupByNameAndType("operatorAuth", OperatorAuth.class).newLoginCode();
                phone.get(Harness.base(receiver) + "/login?code=" + code);
                WebDriverWait wait = new WebDriverWait(phone, Duration.ofSeconds(30));
                wait.until(d -> !d.findElements(By.cssSelector("figure[data-device='" + DEVICE + "'] canvas")).isEmpty()
                        && d.findElements(By.cssSelector("#alerts li")).size() == 1);
                assertThat(((Number) phone.executeScript("return document.documentElement.scrollWidth")).intValue())
                        .as("nothing wider than the screen").isLessThanOrEqualTo(((Number) phone.executeScript("return window.innerWidth")).intValue());
                int tileBottom = ((Number) phone.executeScript(
                        "return document.querySelector('#devices figure').getBoundingClientRect().bottom")).intValue();
                int alertsTop = ((Number) phone.executeScript("return document.querySelector('aside').getBoundingClientRect().top")).intValue();
                assertThat(alertsTop).as("the alerts below the live view").isGreaterThanOrEqualTo(tileBottom);
                Browser.screenshot(phone, "console-phone.png");
            } finally {
                phone.quit();
            }
        }
    }

    /** Whether the day timeline has the activity colour at time t (in the detections band). */
    private static boolean yellowAt(ChromeDriver browser, long t) {
        return Boolean.TRUE.equals(browser.executeScript("""
                const c = document.getElementById('day'), x = Math.round(dayX(arguments[0]));
                if (x < 0 || x >= c.width) return false;
                const p = c.getContext('2d').getImageData(x, 33, 1, 1).data;
                return p[0] > 200 && p[1] > 180 && p[2] < 80;
                """, t));
    }

    private static void post(Map<String, String> receiver, long t0, int frame) throws Exception {
        Map<String, String> headers = Harness.frameHeaders(DEVICE, "s1", frame, t0 + frame * 1000L, "seg-" + frame / 60,
                frame % 60 == 59);
        if (frame >= PERSON_FROM && frame < PERSON_TO) {
            headers.put("Sightline-Detections", Json.text(List.of(new Detection("person", 0.9, new int[] {40, 30, 100, 150}))));
        }
        HttpResponse<String> response = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers,
                Harness.syntheticJpeg(320, 240, 80));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }
}
