package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The deployment: every kustomization in k8s/ renders with {@code kubectl kustomize}, parses into typed
 * Kubernetes objects (fabric8 model) and is consistent with itself and with the application (ports,
 * probe paths, config files, selectors, secrets); and the container image's entrypoint starts Sightline with
 * configuration mounted as files, run here outside a container with the same layout.
 */
class DeploymentTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> PROBE_PATHS = Set.of("/observe/health/ready", "/observe/health/live");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/edge-sender", "k8s/overlays/netbird"})
    void everyKustomizationRendersIntoConsistentObjects(String kustomization) throws Exception {
        List<HasMetadata> objects = render(kustomization);
        Properties app = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            app.load(in);
        }
        StatefulSet receiver = only(objects, StatefulSet.class);
        Service service = only(objects, Service.class);
        ConfigMap config = only(objects, ConfigMap.class);

        // the Service exposes the ports application.properties configures, and selects the receiver's pods
        assertThat(port(service, "http")).extracting(ServicePort::getPort, ServicePort::getProtocol)
                .containsExactly(Integer.parseInt(app.getProperty("sightline.receiver.http-port")), "TCP");
        assertThat(port(service, "detections")).extracting(ServicePort::getPort, ServicePort::getProtocol)
                .containsExactly(Integer.parseInt(app.getProperty("sightline.receiver.udp-port")), "UDP");
        assertThat(port(service, "management").getPort()).isEqualTo(Integer.parseInt(app.getProperty("sightline.management.port")));
        assertThat(receiver.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector());
        Container rx = container(receiver.getSpec().getTemplate(), "receiver");
        for (ServicePort p : service.getSpec().getPorts()) {
            ContainerPort target = rx.getPorts().stream().filter(c -> c.getName().equals(p.getTargetPort().getStrVal()))
                    .findFirst().orElseThrow(() -> new AssertionError("no container port " + p.getTargetPort()));
            assertThat(target.getContainerPort()).isEqualTo(p.getPort());
            assertThat(target.getProtocol()).isEqualTo(p.getProtocol());
        }
        assertThat(receiver.getSpec().getVolumeClaimTemplates()).extracting(c -> c.getMetadata().getName()).contains("data");
        assertThat(rx.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/data"));
        assertThat(env(rx, "SIGHTLINE_DATA_DIR")).isEqualTo("/data");
        // retention keeps the segments below the claim they are on
        assertThat(Long.parseLong(env(rx, "SIGHTLINE_RETENTION_MAX_BYTES"))).isLessThan(bytes(receiver.getSpec()
                .getVolumeClaimTemplates().stream().filter(c -> c.getMetadata().getName().equals("data")).findFirst()
                .orElseThrow().getSpec().getResources().getRequests().get("storage")));
        assertThat(receiver.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(rx.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(rx.getResources().getLimits()).containsKeys("cpu", "memory");
        Map<String, String> annotations = receiver.getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", app.getProperty("sightline.management.port"))
                .containsEntry("prometheus.io/path", "/observe/metrics");

        // the ConfigMap holds exactly application.properties and the route files of routes/, unchanged
        Map<String, String> expected = new HashMap<>();
        expected.put("application.properties", Files.readString(Path.of("application.properties")));
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path route : routes.filter(p -> p.toString().endsWith(".camel.yaml")).toList()) {
                expected.put(route.getFileName().toString(), Files.readString(route));
            }
        }
        assertThat(config.getData()).as("k8s/base/config is out of date: run k8s/sync-config").isEqualTo(expected);
        // and the receiver mounts every one of them
        Volume configVolume = receiver.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
        assertThat(configVolume.getConfigMap().getItems()).extracting(i -> i.getKey())
                .containsExactlyInAnyOrderElementsOf(expected.keySet());

        List<Secret> secrets = secretTemplates();
        assertThat(all(objects, Secret.class)).as("Secrets are created in the cluster, never applied from here").isEmpty();
        for (PodTemplateSpec pod : podTemplates(objects)) {
            checkPod(pod, objects, secrets);
        }
        // every Secret is a template: no value committed
        for (Secret secret : secrets) {
            Map<String, String> values = new HashMap<>();
            if (secret.getStringData() != null) {
                values.putAll(secret.getStringData());
            }
            if (secret.getData() != null) {
                values.putAll(secret.getData());
            }
            assertThat(values.values()).as("values committed in Secret %s", secret.getMetadata().getName()).allMatch(String::isEmpty);
        }

        if (kustomization.endsWith("edge-sender")) {
            Deployment sender = only(objects, Deployment.class);
            PodTemplateSpec pod = sender.getSpec().getTemplate();
            Container tx = container(pod, "sender");
            assertThat(pod.getSpec().getNodeSelector()).isNotEmpty();
            assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getHostPath().getPath()).isEqualTo("/dev/video0"));
            assertThat(tx.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/dev/video0"));
            assertThat(env(tx, "SIGHTLINE_RECEIVER_HOST")).isEqualTo(service.getMetadata().getName());
            assertThat(env(tx, "SIGHTLINE_ROLE")).isEqualTo("sender");
            assertThat(tx.getPorts()).anySatisfy(p -> assertThat(p.getContainerPort())
                    .isEqualTo(Integer.parseInt(app.getProperty("sightline.sender.command-port"))));
        }
        if (kustomization.endsWith("netbird")) {
            Container agent = container(receiver.getSpec().getTemplate(), "netbird");
            assertThat(agent.getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("NB_SETUP_KEY");
                assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("netbird-setup-key");
            });
            assertThat(agent.getSecurityContext().getCapabilities().getAdd()).contains("NET_ADMIN");
        }
    }

    @Test
    void theClusterOverlayRunsEachPartOnKafkaWithSharedSegments() throws Exception {
        List<HasMetadata> objects = render("k8s/overlays/cluster");
        Properties app = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            app.load(in);
        }
        assertThat(all(objects, StatefulSet.class)).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("sightline-segments", "kafka");
        assertThat(all(objects, Deployment.class)).extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrder("sightline-ingest", "sightline-console");
        StatefulSet kafka = named(objects, StatefulSet.class, "kafka");
        Container broker = container(kafka.getSpec().getTemplate(), "kafka");
        int replicas = kafka.getSpec().getReplicas();
        // enough brokers for the topics Sightline makes, and each accepts its largest frame
        assertThat(replicas).isGreaterThanOrEqualTo(Integer.parseInt(app.getProperty("sightline.kafka.replication-factor")));
        assertThat(env(broker, "KAFKA_MIN_INSYNC_REPLICAS")).isEqualTo(app.getProperty("sightline.kafka.min-insync-replicas"));
        assertThat(Long.parseLong(env(broker, "KAFKA_MESSAGE_MAX_BYTES")))
                .isGreaterThanOrEqualTo(Long.parseLong(app.getProperty("sightline.kafka.max-message-bytes")));
        String kafkaService = kafka.getSpec().getServiceName();
        assertThat(named(objects, Service.class, kafkaService).getSpec().getClusterIP()).isEqualTo("None");
        int brokerPort = broker.getPorts().stream().filter(p -> p.getName().equals("broker")).findFirst().orElseThrow()
                .getContainerPort();
        for (int i = 0; i < replicas; i++) {
            assertThat(env(broker, "KAFKA_CONTROLLER_QUORUM_VOTERS")).contains(i + "@kafka-" + i + "." + kafkaService + ":");
        }

        Map<String, PodTemplateSpec> parts = Map.of(
                "ingest", named(objects, Deployment.class, "sightline-ingest").getSpec().getTemplate(),
                "segments", named(objects, StatefulSet.class, "sightline-segments").getSpec().getTemplate(),
                "console", named(objects, Deployment.class, "sightline-console").getSpec().getTemplate());
        PersistentVolumeClaim shared = only(objects, PersistentVolumeClaim.class);
        assertThat(shared.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
        for (Map.Entry<String, PodTemplateSpec> part : parts.entrySet()) {
            PodTemplateSpec pod = part.getValue();
            Container c = container(pod, part.getKey());
            assertThat(env(c, "SIGHTLINE_ROLE")).isEqualTo(part.getKey());
            assertThat(env(c, "SIGHTLINE_BUS")).isEqualTo("kafka");
            // every broker it names is a pod of the Kafka StatefulSet, at its broker port
            for (String address : env(c, "SIGHTLINE_KAFKA_BROKERS").split(",")) {
                assertThat(address).matches("kafka-[0-" + (replicas - 1) + "]\\." + kafkaService + ":" + brokerPort);
            }
            // the segment store is the shared claim; the route files come flat from the ConfigMap
            VolumeMount segments = c.getVolumeMounts().stream()
                    .filter(m -> m.getMountPath().equals(env(c, "SIGHTLINE_SEGMENTS_DIR"))).findFirst().orElseThrow();
            assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo(segments.getName());
                assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo(shared.getMetadata().getName());
            });
            VolumeMount config = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(env(c, "SIGHTLINE_ROUTES_DIR")))
                    .findFirst().orElseThrow();
            assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo(config.getName());
                assertThat(v.getConfigMap().getItems()).isEmpty();
            });
            assertThat(env(c, "SIGHTLINE_CONFIG")).isEqualTo(config.getMountPath() + "/application.properties");
            assertThat(c.getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("SIGHTLINE_KAFKA_NODE");
                assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
            });
        }
        // senders reach the ingest pods at the Service's ports; operators the consoles'
        Service ingest = named(objects, Service.class, "sightline-ingest");
        assertThat(parts.get("ingest").getMetadata().getLabels()).containsAllEntriesOf(ingest.getSpec().getSelector());
        assertThat(port(ingest, "http").getPort()).isEqualTo(Integer.parseInt(app.getProperty("sightline.receiver.http-port")));
        assertThat(port(ingest, "detections").getPort()).isEqualTo(Integer.parseInt(app.getProperty("sightline.receiver.udp-port")));
        assertThat(port(ingest, "detections").getProtocol()).isEqualTo("UDP");
        Service console = named(objects, Service.class, "sightline-console");
        assertThat(parts.get("console").getMetadata().getLabels()).containsAllEntriesOf(console.getSpec().getSelector());
        Container writer = container(parts.get("segments"), "segments");
        assertThat(Long.parseLong(env(writer, "SIGHTLINE_RETENTION_MAX_BYTES")))
                .isLessThan(bytes(shared.getSpec().getResources().getRequests().get("storage")));
        HorizontalPodAutoscaler hpa = only(objects, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("sightline-ingest");
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);

        List<Secret> secrets = secretTemplates();
        for (PodTemplateSpec pod : podTemplates(objects)) {
            checkPod(pod, objects, secrets);
        }
    }

    private static long bytes(io.fabric8.kubernetes.api.model.Quantity quantity) {
        return io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(quantity).longValueExact();
    }

    private static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> type, String name) {
        return all(objects, type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    /** Labels, volumes, config keys, secret keys and probe paths of one pod template agree with the rendered objects. */
    private static void checkPod(PodTemplateSpec pod, List<HasMetadata> objects, List<Secret> secrets) {
        Set<String> volumes = new HashSet<>();
        pod.getSpec().getVolumes().stream().map(Volume::getName).forEach(volumes::add);
        all(objects, StatefulSet.class).stream().filter(s -> s.getSpec().getTemplate() == pod)
                .forEach(s -> s.getSpec().getVolumeClaimTemplates().forEach(c -> volumes.add(c.getMetadata().getName())));
        for (Volume v : pod.getSpec().getVolumes()) {
            if (v.getConfigMap() != null) {
                ConfigMap map = all(objects, ConfigMap.class).stream()
                        .filter(c -> c.getMetadata().getName().equals(v.getConfigMap().getName())).findFirst()
                        .orElseThrow(() -> new AssertionError("no ConfigMap " + v.getConfigMap().getName()));
                v.getConfigMap().getItems().forEach(i -> assertThat(map.getData()).containsKey(i.getKey()));
            }
        }
        for (Container c : pod.getSpec().getContainers()) {
            c.getVolumeMounts().forEach(m -> assertThat(volumes).as("volume of mount %s", m.getMountPath()).contains(m.getName()));
            for (EnvVar e : c.getEnv()) {
                if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                    var ref = e.getValueFrom().getSecretKeyRef();
                    Secret secret = secrets.stream().filter(s -> s.getMetadata().getName().equals(ref.getName()))
                            .findFirst().orElseThrow(() -> new AssertionError("no Secret template " + ref.getName()));
                    assertThat(secret.getStringData()).containsKey(ref.getKey());
                }
            }
            for (Probe probe : Stream.of(c.getReadinessProbe(), c.getLivenessProbe()).filter(p -> p != null).toList()) {
                if (probe.getHttpGet() != null) {
                    assertThat(PROBE_PATHS).contains(probe.getHttpGet().getPath());
                }
                String port = (probe.getHttpGet() != null ? probe.getHttpGet().getPort() : probe.getTcpSocket().getPort()).getStrVal();
                assertThat(c.getPorts()).anySatisfy(p -> assertThat(p.getName()).isEqualTo(port));
            }
        }
    }

    @Test
    void theProbePathsOfTheManifestsAnswerOnARunningReceiver() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        try (Sightline r = Sightline.start(receiver)) {
            for (String path : PROBE_PATHS) {
                await().atMost(Duration.ofSeconds(30)).until(() -> Harness.get(Harness.management(receiver) + path).statusCode() == 200);
            }
        }
    }

    @Test
    void theImageEntrypointStartsSightlineWithConfigurationMountedAsFiles() throws Exception {
        // the entrypoint Jib writes into the image is the script in src/main/jib
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        String entrypoint = XPathFactory.newInstance().newXPath()
                .evaluate("//plugin[artifactId='jib-maven-plugin']/configuration/container/entrypoint", pom).trim();
        Path script = Path.of("src/main/jib").resolve(entrypoint.substring(1));
        assertThat(script).isExecutable();

        // the image's /app (Jib's layout: classes, resources, libs) and a /config mounted as in k8s/
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.createSymbolicLink(app.resolve("classes"), Path.of("target/classes").toAbsolutePath());
        Files.createSymbolicLink(app.resolve("resources"), Path.of("target/classes").toAbsolutePath());
        Files.createSymbolicLink(app.resolve("libs"), Path.of("target/lib").toAbsolutePath());
        Path config = Files.createDirectories(dir.resolve("config/routes"));
        int httpPort = Harness.freeTcpPort();
        Files.writeString(dir.resolve("config/application.properties"), Files.readString(Path.of("application.properties"))
                .replace("sightline.receiver.http-port=8080", "sightline.receiver.http-port=" + httpPort));
        Harness.copyRoutes(config, "{receiver,bus}-*.camel.yaml");
        Files.writeString(config.resolve("receiver-console-ping.camel.yaml"), """
                - route:
                    id: ping
                    from:
                      uri: platform-http:/ping
                      steps:
                        - setBody:
                            constant: pong from the mounted routes
                """);
        int management = Harness.freeTcpPort();
        ProcessBuilder builder = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("entrypoint.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("SIGHTLINE_HOME", app.toString());
        env.put("SIGHTLINE_CONFIG_DIR", dir.resolve("config").toString());
        env.put("SIGHTLINE_ROLE", "receiver");
        env.put("SIGHTLINE_DATA_DIR", dir.resolve("data").toString());
        env.put("SIGHTLINE_SECURITY_MASTER_KEY", Harness.MASTER);
        env.put("SIGHTLINE_OPERATOR_TOKEN", Harness.OPERATOR);
        env.put("SIGHTLINE_MANAGEMENT_PORT", String.valueOf(management));
        env.put("SIGHTLINE_RECEIVER_UDP_PORT", String.valueOf(Harness.freeUdpPort()));
        env.put("SIGHTLINE_HAWTIO_ENABLED", "false");
        Process process = builder.start();
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    Harness.get("http://127.0.0.1:" + httpPort + "/ping").body().equals("pong from the mounted routes"));
            assertThat(Harness.get("http://127.0.0.1:" + management + "/observe/health/ready").statusCode()).isEqualTo(200);
            assertThat(dir.resolve("data")).isDirectory();
        } finally {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    // ---- rendering and lookup --------------------------------------------------------------------------------

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "Service", Service.class, "StatefulSet", StatefulSet.class, "Deployment", Deployment.class,
            "ConfigMap", ConfigMap.class, "Secret", Secret.class, "PersistentVolumeClaim", PersistentVolumeClaim.class,
            "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

    /** {@code kubectl kustomize dir}, each document parsed into its fabric8 type (an unknown kind fails). */
    static List<HasMetadata> render(String kustomization) throws Exception {
        Process kubectl = new ProcessBuilder("kubectl", "kustomize", kustomization)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] yaml = kubectl.getInputStream().readAllBytes();
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as("kubectl kustomize %s", kustomization).isZero();
        List<HasMetadata> objects = new ArrayList<>();
        try (var docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = (JsonNode) docs.next();
                Class<? extends HasMetadata> type = KINDS.get(doc.path("kind").asText());
                assertThat(type).as("kind %s", doc.path("kind").asText()).isNotNull();
                objects.add(YAML.treeToValue(doc, type));
            }
        }
        return objects;
    }

    /** The Secret templates of k8s/ ({@code *.secret-template.yaml}): which keys the pods read, documented. */
    private static List<Secret> secretTemplates() throws Exception {
        try (Stream<Path> files = Files.walk(Path.of("k8s"))) {
            List<Secret> secrets = new ArrayList<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".secret-template.yaml")).toList()) {
                secrets.add(YAML.readValue(file.toFile(), Secret.class));
            }
            return secrets;
        }
    }

    private static <T> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> found = all(objects, type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static List<PodTemplateSpec> podTemplates(List<HasMetadata> objects) {
        List<PodTemplateSpec> pods = new ArrayList<>();
        all(objects, StatefulSet.class).forEach(s -> {
            assertThat(s.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(s.getSpec().getSelector().getMatchLabels());
            pods.add(s.getSpec().getTemplate());
        });
        all(objects, Deployment.class).forEach(d -> {
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
            pods.add(d.getSpec().getTemplate());
        });
        return pods;
    }

    private static ServicePort port(Service service, String name) {
        return service.getSpec().getPorts().stream().filter(p -> p.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no port " + name));
    }

    private static Container container(PodTemplateSpec pod, String name) {
        return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }
}
