package io.sightline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The pages as a person sees them, in a real headless Chromium. */
class BrowserTest {

    @TempDir
    Path dir;

    @Test
    void hawtioShowsTheRoutesOfTheRunningDemo() throws Exception {
        Map<String, String> settings = MonitoringTest.demo(dir);
        ChromeDriver browser = Browser.open();
        try (Sightline demo = Sightline.start(settings)) {
            Browser.sendOnEveryRequest(browser, MonitoringTest.hawtioCredentials()); // Hawtio asks for a login, on loopback too
            browser.get(MonitoringTest.hawtio(settings) + "camel");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            WebElement routesNode = wait.until(d -> d.findElements(By.xpath(
                    "//button[contains(@class,'tree-view__node-text') and normalize-space()='routes']"))
                    .stream().findFirst().orElse(null));
            routesNode.click();
            // the routes table (not the tree) lists every route with its state and counters
            wait.until(d -> {
                String tables = d.findElements(By.tagName("table")).stream().map(WebElement::getText)
                        .reduce("", String::concat);
                return MonitoringTest.ROUTES.stream().allMatch(tables::contains);
            });
            for (String route : MonitoringTest.ROUTES) {
                assertThat(browser.findElements(By.xpath("//table//td[normalize-space()='" + route + "']"))).as(route).isNotEmpty();
            }
            Browser.screenshot(browser, "hawtio-routes.png");
        } finally {
            browser.quit();
        }
    }
}
