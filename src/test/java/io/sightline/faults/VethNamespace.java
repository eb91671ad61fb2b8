package io.sightline.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to this one by a veth pair, for faults from the kernel: nftables drops packets at
 * random or all of them, {@code tc tbf} limits the rate (a real kernel queue), the link can go down. The kernel
 * here has no netem, so delay comes from the {@link ImpairmentProxy} in front. Needs root and ip, nft, tc; only
 * the addresses of the namespace made here are used, and {@link #close()} removes everything.
 */
public final class VethNamespace implements AutoCloseable {

    private final String ns;
    private final String hostIf;
    private final String nsIf;
    private final String hostAddr;
    private final String nsAddr;
    private final String nftTable;

    /** @param id 1-250, different for namespaces that exist at once */
    public VethNamespace(String prefix, int id) throws IOException, InterruptedException {
        this.ns = prefix + id;
        this.hostIf = prefix + "h" + id;
        this.nsIf = prefix + "n" + id;
        this.hostAddr = "10.203." + id + ".1";
        this.nsAddr = "10.203." + id + ".2";
        this.nftTable = "sightline_" + prefix + "_" + id;
        close();
        run("ip", "netns", "add", ns);
        run("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
        run("ip", "link", "set", nsIf, "netns", ns);
        run("ip", "addr", "add", hostAddr + "/30", "dev", hostIf);
        run("ip", "link", "set", hostIf, "up");
        run("ip", "netns", "exec", ns, "ip", "addr", "add", nsAddr + "/30", "dev", nsIf);
        run("ip", "netns", "exec", ns, "ip", "link", "set", nsIf, "up");
        run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    }

    /** Why the kernel faults cannot be made here (not root, a tool missing), or null when they can. */
    public static String unavailable() throws IOException, InterruptedException {
        if (!"0".equals(run("id", "-u").trim())) {
            return "the real-network suite needs root (CI runs it)";
        }
        for (String tool : new String[] {"ip", "nft", "tc"}) {
            if (!Files.isExecutable(Path.of("/usr/sbin", tool)) && !Files.isExecutable(Path.of("/sbin", tool))) {
                return tool + " is not installed (bin/setup --tests installs it)";
            }
        }
        return null;
    }

    /** The prefix that runs a command inside the namespace. */
    public List<String> exec() {
        return List.of("ip", "netns", "exec", ns);
    }

    public String address() {
        return nsAddr;
    }

    /** Drops packets on the veth, both ways: those matching an nftables condition ({@code ""}: all). */
    public void drop(String condition) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
        p.getOutputStream().write(("table inet " + nftTable + " {\n"
                + "  chain out { type filter hook output priority 0; oifname \"" + hostIf + "\" " + condition + " drop; }\n"
                + "  chain in { type filter hook input priority 0; iifname \"" + hostIf + "\" " + condition + " drop; }\n"
                + "}\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("nft: " + out);
        }
    }

    public void undrop() {
        quietly("nft", "delete", "table", "inet", nftTable);
    }

    /** Limits the rate into the namespace (the uplink) with a token bucket: a real kernel queue of 400 ms. */
    public void rate(double mbit) throws IOException, InterruptedException {
        run("tc", "qdisc", "replace", "dev", hostIf, "root", "tbf", "rate", Math.round(mbit * 1000) + "kbit",
                "burst", "32kbit", "latency", "400ms");
    }

    /** Bytes sent into the namespace so far (the uplink, as the kernel counts them: with every header). */
    public long uplinkBytes() throws IOException {
        return Long.parseLong(Files.readString(Path.of("/sys/class/net", hostIf, "statistics", "tx_bytes")).trim());
    }

    public void unlimited() {
        quietly("tc", "qdisc", "del", "dev", hostIf, "root");
    }

    public void link(boolean up) throws IOException, InterruptedException {
        run("ip", "link", "set", hostIf, up ? "up" : "down");
    }

    @Override
    public void close() {
        undrop();
        quietly("ip", "link", "del", hostIf);
        quietly("ip", "netns", "del", ns);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static void quietly(String... command) {
        try {
            run(command);
        } catch (Exception ignored) {
            // teardown of something that may not exist
        }
    }
}
