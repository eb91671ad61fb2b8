package io.sightline;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Debian's headless Chromium through its own chromedriver (bin/setup installs both; nothing is downloaded). */
final class Browser {

    private Browser() {
    }

    static ChromeDriver open() throws IOException {
        return open(new ChromeOptions());
    }

    /** As a phone shows pages: Chromium's mobile emulation of a 390 x 844 screen at 3x, with a phone's user agent. */
    static ChromeDriver openPhone() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setExperimentalOption("mobileEmulation", java.util.Map.of(
                "deviceMetrics", java.util.Map.of("width", 390, "height", 844, "pixelRatio", 3.0, "touch", true),
                "userAgent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                        + "Chrome/130.0 Mobile Safari/537.36"));
        return open(options);
    }

    private static ChromeDriver open(ChromeOptions options) throws IOException {
        Path profile = Files.createTempDirectory("sightline-chromium");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { // the tests have quit their browsers by then
            try {
                Harness.deleteTree(profile);
            } catch (IOException e) {
                // a profile left in the temporary directory
            }
        }));
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /**
     * From now on every request this browser makes carries {@code authorization}, as if the user had logged in
     * to every site that asks (WebDriver refuses credentials in the address, and Chromium's login dialog cannot
     * be driven headless): pages of other origins make their requests with it too.
     */
    static void sendOnEveryRequest(ChromeDriver driver, String authorization) {
        driver.executeCdpCommand("Network.enable", java.util.Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders",
                java.util.Map.of("headers", java.util.Map.of("Authorization", authorization)));
    }

    static Path screenshot(ChromeDriver driver, String name) throws IOException {
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), target,
                StandardCopyOption.REPLACE_EXISTING);
        return target;
    }
}
